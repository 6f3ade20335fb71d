// Decodes what the remote-write encoder sends, independently of it: snappyjs for the block, a
// minimal protobuf reader for prometheus.WriteRequest. Used by the tests only.
// @ts-expect-error snappyjs ships no types
import SnappyJS from "snappyjs";

export interface DecodedSeries {
  labels: Record<string, string>;
  labelOrder: string[];
  samples: { value: number; timestampMs: number }[];
}

export interface DecodedWriteRequest {
  series: DecodedSeries[];
  metadata: { type: number; family: string; help: string }[];
}

/** Snappy block -> protobuf bytes (snappyjs, an independent implementation). */
export function snappyUncompress(bytes: Uint8Array): Uint8Array {
  return (SnappyJS as { uncompress(b: Uint8Array): Uint8Array }).uncompress(bytes);
}

type Field = { field: number; wire: number; varint?: number; bytes?: Uint8Array };

function* fields(bytes: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++] as number;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) yield { field, wire, varint: varint() };
    else if (wire === 1) {
      yield { field, wire, bytes: bytes.subarray(at, at + 8) };
      at += 8;
    } else if (wire === 2) {
      const length = varint();
      yield { field, wire, bytes: bytes.subarray(at, at + length) };
      at += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Protobuf bytes -> the WriteRequest's series and metadata. */
export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const out: DecodedWriteRequest = { series: [], metadata: [] };
  for (const top of fields(bytes)) {
    if (top.field === 1) {
      const series: DecodedSeries = { labels: {}, labelOrder: [], samples: [] };
      for (const part of fields(top.bytes as Uint8Array)) {
        if (part.field === 1) {
          let name = "";
          let value = "";
          for (const f of fields(part.bytes as Uint8Array)) {
            if (f.field === 1) name = text(f.bytes);
            if (f.field === 2) value = text(f.bytes);
          }
          series.labels[name] = value;
          series.labelOrder.push(name);
        } else if (part.field === 2) {
          const sample = { value: Number.NaN, timestampMs: 0 };
          for (const f of fields(part.bytes as Uint8Array)) {
            const b = f.bytes as Uint8Array;
            if (f.field === 1)
              sample.value = new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
            if (f.field === 2) sample.timestampMs = f.varint as number;
          }
          series.samples.push(sample);
        }
      }
      out.series.push(series);
    } else if (top.field === 3) {
      const meta = { type: 0, family: "", help: "" };
      for (const f of fields(top.bytes as Uint8Array)) {
        if (f.field === 1) meta.type = f.varint as number;
        if (f.field === 2) meta.family = text(f.bytes);
        if (f.field === 4) meta.help = text(f.bytes);
      }
      out.metadata.push(meta);
    }
  }
  return out;
}
