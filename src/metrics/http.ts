import type { Metric, Registry } from "prom-client";

/** Request counters and latency by method, route template and status. */
export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  buckets: number[];
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Registers `http_requests_total` and `http_request_duration_seconds`. Requests only bump plain
 * numbers; the exposition is built at scrape time (prom-client's own label hashing per request
 * cost about 4 µs, a sixth of a request, in `npm run bench:http`).
 */
export function registerHttpMetrics(registry: Registry): HttpMetrics {
  const series = new Map<string, Series>();
  const register = (
    name: string,
    help: string,
    type: "counter" | "histogram",
    values: () => MetricValue[],
  ) => {
    const metric = {
      name,
      help,
      type,
      aggregator: "sum",
      get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
      reset: () => series.clear(),
    };
    // prom-client's registry accepts any object with this shape (name, help, type, get).
    registry.registerMetric(metric as unknown as Metric);
  };
  register(
    "http_requests_total",
    "HTTP requests by method, route template and status",
    "counter",
    () => [...series.values()].map((s) => ({ value: s.count, labels: s.labels })),
  );
  register("http_request_duration_seconds", "HTTP request duration in seconds", "histogram", () => {
    const values: MetricValue[] = [];
    for (const s of series.values()) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i] ?? 0;
        values.push({
          metricName: "http_request_duration_seconds_bucket",
          value: cumulative,
          labels: { ...s.labels, le },
        });
      });
      values.push({
        metricName: "http_request_duration_seconds_bucket",
        value: s.count,
        labels: { ...s.labels, le: "+Inf" },
      });
      values.push({
        metricName: "http_request_duration_seconds_sum",
        value: s.sum,
        labels: s.labels,
      });
      values.push({
        metricName: "http_request_duration_seconds_count",
        value: s.count,
        labels: s.labels,
      });
    }
    return values;
  });
  return {
    observe(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let entry = series.get(key);
      if (!entry) {
        entry = {
          labels: { method, route, status: String(status) },
          count: 0,
          sum: 0,
          buckets: BUCKETS.map(() => 0),
        };
        series.set(key, entry);
      }
      entry.count++;
      entry.sum += seconds;
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > (BUCKETS[bucket] as number)) bucket++;
      if (bucket < BUCKETS.length) entry.buckets[bucket] = (entry.buckets[bucket] ?? 0) + 1;
    },
  };
}
