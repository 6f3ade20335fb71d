import { Counter, Histogram, type Registry } from "prom-client";

/** Request counters and latency by method, route template and status. */
export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

/** Registers the HTTP request metrics on `registry`. */
export function registerHttpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds",
    labelNames: ["method", "route", "status"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Label children are cached: prom-client hashes label sets, which costs more than the request.
  const children = new Map<string, { count: () => void; time: (seconds: number) => void }>();
  return {
    observe(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`;
      let child = children.get(key);
      if (!child) {
        const labels = { method, route, status: String(status) };
        const counter = requests.labels(labels);
        const histogram = duration.labels(labels);
        child = { count: () => counter.inc(), time: (s) => histogram.observe(s) };
        children.set(key, child);
      }
      child.count();
      child.time(seconds);
    },
  };
}
