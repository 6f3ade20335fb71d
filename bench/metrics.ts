// npm run bench:metrics: the cost of recording one request in the HTTP metrics, edgeflake's
// scrape-time collector (src/metrics/http.ts) against prom-client's own Counter + Histogram in the
// same run. Prints a markdown section; `--record` writes it into docs/BENCHMARKS.md.
import { Counter, Histogram, Registry } from "prom-client";
import { median } from "../scripts/lib/stats.ts";
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS, promOptions } from "../src/metrics/contract.ts";
import { registerHttpMetrics } from "../src/metrics/http.ts";
import { machineLine, table, writeSection } from "./report.ts";

const OPS = Number(process.env.BENCH_OPS ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUTES = ["/generate", "/decode/:id", "/health", "unmatched"];
const STATUSES = [200, 200, 200, 400];
type Record = (method: string, route: string, status: number, seconds: number) => void;

function promClient(): Record {
  const registry = new Registry();
  const counter = new Counter({ ...promOptions(HTTP_REQUESTS), registers: [registry] });
  const histogram = new Histogram({ ...promOptions(HTTP_REQUEST_DURATION), registers: [registry] });
  return (method, route, status, seconds) => {
    const labels = { method, route, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  };
}

function promClientChildren(): Record {
  const registry = new Registry();
  const counter = new Counter({ ...promOptions(HTTP_REQUESTS), registers: [registry] });
  const histogram = new Histogram({ ...promOptions(HTTP_REQUEST_DURATION), registers: [registry] });
  const children = new Map<string, [{ inc(): void }, { observe(v: number): void }]>();
  return (method, route, status, seconds) => {
    const key = `${method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      const labels = [method, route, String(status)];
      child = [counter.labels(...labels), histogram.labels(...labels)];
      children.set(key, child);
    }
    child[0].inc();
    child[1].observe(seconds);
  };
}

function edgeflake(): Record {
  const metrics = registerHttpMetrics(new Registry());
  return (method, route, status, seconds) => metrics.observe(method, route, status, seconds);
}

/** Nanoseconds per recorded request. */
function measure(record: Record, ops: number): number {
  const started = performance.now();
  for (let i = 0; i < ops; i++) {
    record("GET", ROUTES[i & 3] as string, STATUSES[(i >> 2) & 3] as number, (i % 97) / 20_000);
  }
  return ((performance.now() - started) * 1e6) / ops;
}

const cases: [string, () => Record][] = [
  ["prom-client Counter + Histogram (label objects)", promClient],
  ["prom-client, cached `labels()` children", promClientChildren],
  ["edgeflake scrape-time collector", edgeflake],
];
const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
const recorders = cases.map(([name, build]) => [name, build()] as const);
for (const [, record] of recorders) measure(record, OPS / 10); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? recorders : [...recorders].reverse();
  for (const [name, record] of order) samples.get(name)?.push(measure(record, OPS));
}
const base = median(samples.get(cases[0]?.[0] as string) ?? []);
const ours = median(samples.get(cases[2]?.[0] as string) ?? []);
const rows = cases.map(([name]) => {
  const ns = median(samples.get(name) ?? []);
  return [name, ns.toFixed(0), `${(ns / base).toFixed(2)}x`];
});
const markdown = `## HTTP metrics (\`npm run bench:metrics\`)

${machineLine()}. One recorded request = \`http_requests_total\` +1 and one
\`http_request_duration_seconds\` observation, over 4 routes x 2 statuses; ${OPS.toLocaleString("en")} requests per
round, ${ROUNDS} rounds in alternating order, medians shown.

${table(["recorder", "ns per request", "vs prom-client"], rows)}

The collector exists for this difference: ${(base - ours).toFixed(0)} ns per request saved, against the
30-40 µs of server CPU a \`/generate\` costs on this machine (\`npm run bench:http\`). Its output is
checked equal to prom-client's own for the same observations (test/http/http-metrics.test.ts).`;
console.log(markdown);
if (process.argv.includes("--record")) writeSection("metrics", markdown);
