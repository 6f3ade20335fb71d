// `npm run bench:push`: what a remote-write push costs a Lambda invocation. Two execution
// environments run interleaved on one fake clock (a push is due on every invocation of the pushing
// one), against Debian's Prometheus as the receiver on loopback; prints the body size per push and
// the invocation latency with and without a push, as medians, p99 and their ratio.
import { MemoryLeaseStore, MemoryLeaseTable } from "../src/lease/index.ts";
import { createLambdaHandler } from "../src/targets/lambda.ts";
import { FakeClock } from "./lib/fake-clock.ts";
import { lambdaFetch } from "./lib/lambda-events.ts";
import { promQuery } from "./lib/prom-query.ts";
import { startPrometheusReceiver } from "./lib/prometheus.ts";

const INVOCATIONS = 200;
const prometheus = await startPrometheusReceiver();
const bodies: number[] = [];
const realFetch = globalThis.fetch;
// Only to read the body sizes; the request goes out unchanged.
globalThis.fetch = (input, init) => {
  if (String(input).startsWith(prometheus.writeUrl) && init?.body instanceof Uint8Array) {
    bodies.push(init.body.length);
  }
  return realFetch(input, init);
};
try {
  // Past enough that the last sample is still behind the real time: Prometheus refuses none.
  const clock = new FakeClock(Date.now() - INVOCATIONS * 15_000 - 60_000);
  const table = new MemoryLeaseTable();
  const environment = (push: boolean) =>
    lambdaFetch(
      createLambdaHandler(
        {
          LEASE_TABLE: "unused-with-a-store",
          LOG_LEVEL: "silent",
          ...(push ? { METRICS_PUSH_URL: prometheus.writeUrl } : {}),
        },
        { clock, store: new MemoryLeaseStore("edgeflake", table) },
      ),
      "v2",
    );
  const pushing = environment(true);
  const quiet = environment(false);
  const timings = { pushing: [] as number[], quiet: [] as number[] };
  for (let i = 0; i < INVOCATIONS + 10; i++) {
    clock.advance(15_000);
    for (const [name, fetch] of [
      ["pushing", pushing],
      ["quiet", quiet],
    ] as const) {
      const started = performance.now();
      const response = await fetch("/generate?count=10");
      await response.arrayBuffer();
      if (i >= 10) timings[name].push(performance.now() - started); // the first 10 warm up
    }
  }
  const [sum] = await promQuery(
    prometheus.url,
    'sum(snowflake_ids_generated_total{runtime="lambda"})',
    clock.ms / 1000,
  );
  const [series] = await promQuery(
    prometheus.url,
    'count({job="edgeflake-lambda"})',
    clock.ms / 1000,
  );
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { median: at(0.5), p99: at(0.99) };
  };
  const p = stats(timings.pushing);
  const q = stats(timings.quiet);
  const bytes = stats(bodies);
  console.log(
    `pushes: ${bodies.length}, Prometheus holds ${sum?.value[1]} IDs for the pushing environment`,
  );
  console.log(
    `body per push (snappy protobuf, ${series?.value[1]} series): median ${bytes.median} B, max ${Math.max(...bodies)} B`,
  );
  console.log(
    `invocation latency, median: ${p.median.toFixed(2)} ms with a push vs ${q.median.toFixed(2)} ms without (ratio ${(p.median / q.median).toFixed(2)}, added ${(p.median - q.median).toFixed(2)} ms)`,
  );
  console.log(
    `invocation latency, p99:    ${p.p99.toFixed(2)} ms with a push vs ${q.p99.toFixed(2)} ms without (ratio ${(p.p99 / q.p99).toFixed(2)})`,
  );
} finally {
  globalThis.fetch = realFetch;
  await prometheus.stop();
}
