import type { Metric, Registry } from "prom-client";
import type { MetricSpec } from "./contract.ts";

/** One sample as prom-client's registry formats it (`metricName` for a histogram's parts). */
export interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Registers a metric whose samples are produced at scrape time by `samples`, without prom-client's
 * per-observation bookkeeping. Confined here: prom-client's registry accepts any object with
 * `name`, `help`, `type`, `aggregator`, `get` and `reset`, but types only its own classes.
 * test/http/http-metrics.test.ts checks the output equals prom-client's own Counter/Histogram.
 */
export function registerScrapeTimeMetric(
  registry: Registry,
  spec: MetricSpec,
  samples: () => Sample[],
  reset: () => void,
): void {
  const { name, help, type } = spec;
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    get: async () => ({ name, help, type, aggregator: "sum", values: samples() }),
    reset,
  };
  registry.registerMetric(metric as unknown as Metric);
}
