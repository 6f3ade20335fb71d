import type { Registry } from "prom-client";
import type { MetadataType, MetricMetadata, TimeSeries } from "./protobuf.ts";

/** What a registry holds at one instant, as remote-write series and their families' metadata. */
export interface Snapshot {
  series: TimeSeries[];
  metadata: MetricMetadata[];
}

interface JsonValue {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
}

interface JsonMetric {
  name: string;
  help: string;
  type: unknown;
  values: JsonValue[];
}

/**
 * Reads every metric of `registry` through its public JSON view (the same values `/metrics`
 * shows: histograms as `_bucket`/`_sum`/`_count`), one sample each at `timestampMs`. `base` labels
 * are added to every series; a metric's own label of the same name wins.
 */
export async function snapshotRegistry(
  registry: Registry,
  base: Record<string, string>,
  timestampMs: number,
): Promise<Snapshot> {
  const metrics = (await registry.getMetricsAsJSON()) as unknown as JsonMetric[];
  const series: TimeSeries[] = [];
  const metadata: MetricMetadata[] = [];
  for (const metric of metrics) {
    metadata.push({ type: metadataType(metric.type), family: metric.name, help: metric.help });
    for (const sample of metric.values) {
      const labels: Record<string, string> = { ...base };
      for (const [name, value] of Object.entries(sample.labels)) {
        if (value !== undefined) labels[name] = String(value);
      }
      labels.__name__ = sample.metricName ?? metric.name;
      series.push({
        labels: Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        samples: [{ value: sample.value, timestampMs }],
      });
    }
  }
  return { series, metadata };
}

function metadataType(type: unknown): MetadataType {
  const name = String(type);
  return name === "counter" || name === "gauge" || name === "histogram" || name === "summary"
    ? name
    : "unknown";
}
