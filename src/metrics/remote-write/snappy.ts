// Snappy block format (github.com/google/snappy, format_description.txt), compression only: what a
// remote-write receiver expects under `Content-Encoding: snappy`. Greedy matching on a hash of 4
// bytes, like the reference encoder, without its skip heuristics (payloads are a few KiB).

const HASH_BITS = 14;
const MAX_OFFSET = 65_535;

/** Compresses `input` into one snappy block (the "raw" format, not the framed stream format). */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const out = new ByteSink(32 + input.length + Math.ceil(input.length / 6));
  out.varint(input.length);
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let nextEmit = 0;
  let i = 0;
  while (i + 4 <= input.length) {
    const word = load32(input, i);
    const slot = hash(word);
    const candidate = table[slot] as number;
    table[slot] = i;
    if (candidate < 0 || i - candidate > MAX_OFFSET || load32(input, candidate) !== word) {
      i++;
      continue;
    }
    let length = 4;
    while (i + length < input.length && input[candidate + length] === input[i + length]) length++;
    literal(out, input, nextEmit, i);
    copy(out, i - candidate, length);
    i += length;
    nextEmit = i;
  }
  literal(out, input, nextEmit, input.length);
  return out.bytes();
}

function load32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

function hash(word: number): number {
  return Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function literal(out: ByteSink, input: Uint8Array, from: number, to: number): void {
  const length = to - from;
  if (length === 0) return;
  const n = length - 1;
  if (n < 60) {
    out.byte(n << 2);
  } else {
    // Tag 60-63: the length minus one follows in 1-4 little-endian bytes.
    const size = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4;
    out.byte((59 + size) << 2);
    for (let b = 0; b < size; b++) out.byte((n >>> (8 * b)) & 0xff);
  }
  out.append(input.subarray(from, to));
}

function copy(out: ByteSink, offset: number, length: number): void {
  // One copy element holds at most 64 bytes; keep at least 4 for the last one.
  while (length >= 68) {
    copy2(out, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    copy2(out, offset, 60);
    length -= 60;
  }
  if (length <= 11 && offset < 2048) {
    out.byte(((offset >>> 8) << 5) | ((length - 4) << 2) | 1);
    out.byte(offset & 0xff);
  } else {
    copy2(out, offset, length);
  }
}

function copy2(out: ByteSink, offset: number, length: number): void {
  out.byte(((length - 1) << 2) | 2);
  out.byte(offset & 0xff);
  out.byte(offset >>> 8);
}

/** A growable byte buffer with the few writes protobuf and snappy need. */
export class ByteSink {
  private buffer: Uint8Array;
  private length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Unsigned varint of a non-negative integer up to 2^53 (division, not 32-bit shifts). */
  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  get size(): number {
    return this.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
