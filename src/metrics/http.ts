import type { Registry } from "prom-client";
import { registerScrapeTimeMetric, type Sample } from "./collector.ts";
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS } from "./contract.ts";

/** Request counters and latency by method, route template and status. */
export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

const BUCKETS = HTTP_REQUEST_DURATION.buckets as readonly number[];
const DURATION = HTTP_REQUEST_DURATION.name;

interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  buckets: number[];
}

/**
 * Registers `http_requests_total` and `http_request_duration_seconds`. Requests only bump plain
 * numbers; the exposition is built at scrape time: prom-client's own Counter and Histogram cost
 * about 6 times as much per request (`npm run bench:metrics`, docs/BENCHMARKS.md).
 */
export function registerHttpMetrics(registry: Registry): HttpMetrics {
  const series: Series[] = [];
  // Nested maps by route, status and method: a request allocates nothing once its series exists.
  const index = new Map<string, Map<number, Map<string, Series>>>();
  const reset = () => {
    series.length = 0;
    index.clear();
  };
  const create = (method: string, route: string, status: number): Series => {
    const entry: Series = {
      labels: { method, route, status: String(status) },
      count: 0,
      sum: 0,
      buckets: BUCKETS.map(() => 0),
    };
    series.push(entry);
    const byStatus = index.get(route) ?? new Map<number, Map<string, Series>>();
    const byMethod = byStatus.get(status) ?? new Map<string, Series>();
    byMethod.set(method, entry);
    byStatus.set(status, byMethod);
    index.set(route, byStatus);
    return entry;
  };
  registerScrapeTimeMetric(
    registry,
    HTTP_REQUESTS,
    () => series.map((s) => ({ value: s.count, labels: s.labels })),
    reset,
  );
  registerScrapeTimeMetric(
    registry,
    HTTP_REQUEST_DURATION,
    () => series.flatMap(histogramSamples),
    reset,
  );
  return {
    observe(method, route, status, seconds) {
      const entry = index.get(route)?.get(status)?.get(method) ?? create(method, route, status);
      entry.count++;
      entry.sum += seconds;
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > (BUCKETS[bucket] as number)) bucket++;
      if (bucket < BUCKETS.length) entry.buckets[bucket] = (entry.buckets[bucket] ?? 0) + 1;
    },
  };
}

/** One series as prom-client's Histogram lists it: cumulative buckets, +Inf, sum, count. */
function histogramSamples(s: Series): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  BUCKETS.forEach((le, i) => {
    cumulative += s.buckets[i] ?? 0;
    samples.push({
      metricName: `${DURATION}_bucket`,
      value: cumulative,
      labels: { le, ...s.labels },
    });
  });
  samples.push({
    metricName: `${DURATION}_bucket`,
    value: s.count,
    labels: { le: "+Inf", ...s.labels },
  });
  samples.push({ metricName: `${DURATION}_sum`, value: s.sum, labels: s.labels });
  samples.push({ metricName: `${DURATION}_count`, value: s.count, labels: s.labels });
  return samples;
}
