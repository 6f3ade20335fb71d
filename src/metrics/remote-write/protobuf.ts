// prometheus.WriteRequest (remote write 1.0: prompb/remote.proto and types.proto), encode only.
import { ByteSink } from "./snappy.ts";

export interface Sample {
  value: number;
  timestampMs: number;
}

/** One series: labels sorted by name (the protocol requires it), `__name__` among them. */
export interface TimeSeries {
  labels: [name: string, value: string][];
  samples: Sample[];
}

/** prometheus.MetricMetadata.MetricType */
export type MetadataType = "counter" | "gauge" | "histogram" | "summary" | "unknown";
const METADATA_TYPES: Record<MetadataType, number> = {
  unknown: 0,
  counter: 1,
  gauge: 2,
  histogram: 3,
  summary: 5,
};

export interface MetricMetadata {
  type: MetadataType;
  family: string;
  help: string;
}

const LENGTH_DELIMITED = 2;
const VARINT = 0;
const FIXED64 = 1;
const utf8 = new TextEncoder();

/** The protobuf bytes of a WriteRequest: timeseries (field 1) and metadata (field 3). */
export function encodeWriteRequest(
  series: TimeSeries[],
  metadata: MetricMetadata[] = [],
): Uint8Array {
  const out = new ByteSink(1024);
  for (const one of series) message(out, 1, encodeTimeSeries(one));
  for (const meta of metadata) {
    const inner = new ByteSink(64);
    tag(inner, 1, VARINT);
    inner.varint(METADATA_TYPES[meta.type]);
    text(inner, 2, meta.family);
    text(inner, 4, meta.help);
    message(out, 3, inner.bytes());
  }
  return out.bytes();
}

function encodeTimeSeries(series: TimeSeries): Uint8Array {
  const out = new ByteSink(128);
  for (const [name, value] of series.labels) {
    const label = new ByteSink(name.length + value.length + 8);
    text(label, 1, name);
    text(label, 2, value);
    message(out, 1, label.bytes());
  }
  for (const sample of series.samples) {
    const inner = new ByteSink(20);
    tag(inner, 1, FIXED64);
    inner.append(float64(sample.value));
    tag(inner, 2, VARINT);
    inner.varint(sample.timestampMs);
    message(out, 2, inner.bytes());
  }
  return out.bytes();
}

function tag(out: ByteSink, field: number, wireType: number): void {
  out.varint(field * 8 + wireType);
}

function message(out: ByteSink, field: number, bytes: Uint8Array): void {
  tag(out, field, LENGTH_DELIMITED);
  out.varint(bytes.length);
  out.append(bytes);
}

function text(out: ByteSink, field: number, value: string): void {
  message(out, field, utf8.encode(value));
}

function float64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return bytes;
}
