// npm run bench:client: IDs through edgeflake/client's prefetching next() against the two ways of
// fetching by hand (one request per ID, one request per 1000 IDs), one local server, one run.
// `-- --record` writes the figures into docs/BENCHMARKS.md; without it they are only printed.

import { startNodeEntry } from "../scripts/lib/node-entry.ts";
import { createClient } from "../src/client/index.ts";
import { machineLine, table, writeSection } from "./report.ts";

const CLIENT_IDS = Number(process.env.BENCH_CLIENT_IDS ?? 2_000_000);
const SINGLE_FETCHES = Number(process.env.BENCH_SINGLE_FETCHES ?? 3000);
const BATCH_FETCHES = Number(process.env.BENCH_BATCH_FETCHES ?? 1000);
const BATCH = 1000;
const YIELD_EVERY = 1000;

interface Result {
  name: string;
  calls: number;
  ids: number;
  ms: number;
  /** Per call, in µs, sorted. */
  latencies: Float64Array;
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

function finish(name: string, ids: number, ms: number, latencies: Float64Array): Result {
  return { name, calls: latencies.length, ids, ms, latencies: latencies.sort() };
}

/** `client.next()` in a loop; with `yieldEvery`, the loop lets I/O in as an application would. */
async function viaClient(url: string, count: number, yieldEvery: number): Promise<Result> {
  const client = createClient({ urls: url });
  await client.batch(100); // the first request (and /layout-free cold start) is not measured
  const latencies = new Float64Array(count);
  const started = performance.now();
  let paused = 0;
  for (let i = 0; i < count; i++) {
    const before = performance.now();
    await client.next();
    latencies[i] = (performance.now() - before) * 1000;
    if (yieldEvery > 0 && i % yieldEvery === yieldEvery - 1) {
      const pause = performance.now();
      await new Promise((resolve) => setImmediate(resolve));
      paused += performance.now() - pause;
    }
  }
  const ms = performance.now() - started - paused;
  client.close();
  const name =
    yieldEvery > 0
      ? `client.next(), prefetch (yielding to I/O every ${yieldEvery} IDs)`
      : "client.next(), prefetch (tight loop, never yielding)";
  return finish(name, count, ms, latencies);
}

/** What one writes without the client: one `fetch` of `/generate` per ID. */
async function fetchPerId(url: string, count: number): Promise<Result> {
  const latencies = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const before = performance.now();
    const { id } = (await (await fetch(`${url}/generate`)).json()) as { id: string };
    if (id.length === 0) throw new Error("no ID");
    latencies[i] = (performance.now() - before) * 1000;
  }
  return finish("one fetch per ID", count, performance.now() - started, latencies);
}

/** One `fetch` of `count=1000` per 1000 IDs (JSON, as the README shows it). */
async function fetchPerBatch(url: string, fetches: number): Promise<Result> {
  const latencies = new Float64Array(fetches);
  const started = performance.now();
  for (let i = 0; i < fetches; i++) {
    const before = performance.now();
    const { ids } = (await (await fetch(`${url}/generate?count=${BATCH}`)).json()) as {
      ids: string[];
    };
    if (ids.length !== BATCH) throw new Error("short batch");
    latencies[i] = (performance.now() - before) * 1000;
  }
  return finish(
    `one fetch of count=${BATCH} per ${BATCH} IDs`,
    fetches * BATCH,
    performance.now() - started,
    latencies,
  );
}

/** The ceiling of one connection: back-to-back fetches of the client's own request, bodies split. */
async function transportCeiling(url: string, fetches: number): Promise<Result> {
  const latencies = new Float64Array(fetches);
  const started = performance.now();
  for (let i = 0; i < fetches; i++) {
    const before = performance.now();
    const response = await fetch(`${url}/generate?count=10000`, {
      headers: { accept: "text/plain" },
    });
    if ((await response.text()).split("\n").length !== 10_001) throw new Error("short batch");
    latencies[i] = (performance.now() - before) * 1000;
  }
  const name = "ceiling: back-to-back fetch of count=10000, text/plain (the client's request)";
  return finish(name, fetches * 10_000, performance.now() - started, latencies);
}

function micros(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} µs`;
}

const server = await startNodeEntry({ WORKER_ID: "1", LOG_LEVEL: "info" });
let results: Result[];
try {
  // Warm-up of every path (JIT, keep-alive connections), then the measured run.
  await viaClient(server.url, 200_000, 0);
  await fetchPerId(server.url, 300);
  await fetchPerBatch(server.url, 50);
  results = [
    await fetchPerId(server.url, SINGLE_FETCHES),
    await fetchPerBatch(server.url, BATCH_FETCHES),
    await transportCeiling(server.url, CLIENT_IDS / 10_000),
    await viaClient(server.url, CLIENT_IDS, 0),
    await viaClient(server.url, CLIENT_IDS, YIELD_EVERY),
  ];
} finally {
  await server.stop();
}

const baseline = (results[0] as Result).ids / (results[0] as Result).ms;
const rows = results.map((r) => {
  const idsPerS = (r.ids / r.ms) * 1000;
  return [
    r.name,
    r.calls.toLocaleString("en-US"),
    Math.round(idsPerS).toLocaleString("en-US"),
    `${(r.ids / r.ms / baseline).toFixed(1)}x`,
    micros(quantile(r.latencies, 0.5)),
    micros(quantile(r.latencies, 0.99)),
    micros(quantile(r.latencies, 0.999)),
  ];
});
const markdown = `## Client (\`npm run bench:client\`)

${machineLine()}. One edgeflake Node server (static worker ID) on loopback, the client in the
benchmark process; each case after a warm-up, in one run. Latency is per call (one \`next()\`, or one
\`fetch\` with its body read), timed with \`performance.now()\` around it. The client fetches
\`count\`=up to 10000 with \`Accept: text/plain\` and refills in the background once fewer IDs than one
refill are left. A loop that never yields runs on microtasks only, so the refill cannot progress
until the buffer is empty and the loop waits for it; an application that does any I/O between IDs
(the yielding case, \`setImmediate\` every ${YIELD_EVERY} IDs, its pause not counted) lets the refill
overlap with consumption. The ceiling case is the same requests back to back without a client: what
one connection to one server delivers.

${table(["case", "calls", "IDs/s", "vs fetch per ID", "p50 per call", "p99 per call", "p99.9 per call"], rows)}
`;
process.stdout.write(`${markdown}\n`);
if (writeSection("client", markdown)) process.stdout.write("recorded in docs/BENCHMARKS.md\n");
