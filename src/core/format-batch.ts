import { formatId, type IdFormat } from "./encoding.ts";

// Consecutive IDs of one tick differ only in their last digits: format the first one with
// BigInt.toString once, then derive each next one by incrementing the previous one's ASCII digits
// in place (about one digit touched per ID). Much cheaper than one BigInt -> string per ID.

const ALPHABETS: Record<IdFormat, string> = {
  decimal: "0123456789",
  hex: "0123456789abcdef",
  base62: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
};
/** The widest ID text per format (decimal 2^63 - 1 has 19 digits). */
export const MAX_ID_WIDTH: Record<IdFormat, number> = { decimal: 19, hex: 16, base62: 11 };

/** Per format: the ASCII code of each digit's successor, 0 where the digit wraps (carry). */
const SUCCESSORS = Object.fromEntries(
  Object.entries(ALPHABETS).map(([format, alphabet]) => {
    const next = new Uint8Array(128);
    for (let i = 0; i < alphabet.length - 1; i++) {
      next[alphabet.charCodeAt(i)] = alphabet.charCodeAt(i + 1);
    }
    return [format, next];
  }),
) as Record<IdFormat, Uint8Array>;
const ZERO = 0x30;

/**
 * Writes the `count` consecutive IDs `first, first + 1, ...` into `out` from `at`, each as
 * `open`, the ID in `format`, `close` (ASCII bytes); returns the offset after the last one. `out`
 * must have room for `count * (open.length + MAX_ID_WIDTH[format] + close.length)` bytes.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(64);
 * const end = writeConsecutive(out, 0, 4194308096n, 2, "decimal", [0x22], [0x22, 0x2c]);
 * new TextDecoder().decode(out.subarray(0, end)); // '"4194308096","4194308097",'
 * ```
 */
export function writeConsecutive(
  out: Uint8Array,
  at: number,
  first: bigint,
  count: number,
  format: IdFormat,
  open: readonly number[],
  close: readonly number[],
): number {
  if (count <= 0) return at;
  const text = formatId(first, format);
  const width = text.length;
  const size = open.length + width + close.length;
  let pos = at;
  for (const byte of open) out[pos++] = byte;
  for (let i = 0; i < width; i++) out[pos++] = text.charCodeAt(i);
  for (const byte of close) out[pos++] = byte;
  // Fill every entry with a copy of the first one (a few native copies), then fix each entry's
  // trailing digits: only the last `depth` digits ever differ from the first entry's.
  const end = at + size * count;
  for (let filled = size; at + filled < end; filled *= 2) {
    out.copyWithin(at + filled, at, Math.min(at + filled, end - filled));
  }
  const next = SUCCESSORS[format];
  const firstDigit = open.length;
  let depth = 0;
  for (let n = 1; n < count; n++) {
    pos = at + n * size;
    const last = pos + firstDigit + width - 1;
    for (let j = 0; j < depth; j++) out[last - j] = out[last - j - size] as number;
    let digit = last;
    for (;;) {
      const successor = next[out[digit] as number] as number;
      if (successor !== 0) {
        out[digit] = successor;
        break;
      }
      out[digit] = ZERO;
      if (digit === pos + firstDigit) {
        // Carried out of the first digit (999 -> 1000): one more digit from here on.
        return writeConsecutive(out, pos, first + BigInt(n), count - n, format, open, close);
      }
      digit--;
    }
    if (last - digit + 1 > depth) depth = last - digit + 1;
  }
  return end;
}
