// `npm run soak`: sustained HTTP load on a real Node server (autocannon, 100 connections), then the
// figures: errors, p99, throughput and the server's RSS growth after warm-up (sampled from /proc).
//   npm run soak                    # 30 s (what `npm test` runs, test/e2e/soak.test.ts)
//   npm run soak -- --minutes 10    # the documented long run (docs/RELIABILITY.md)
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { parseFlags, refuseFlags } from "./lib/flags.ts";
import { startNodeEntry } from "./lib/node-entry.ts";
import { median } from "./lib/stats.ts";

export interface SoakOptions {
  seconds: number;
  connections?: number;
  /** Load before measuring (JIT, pools, GC heuristics settle); default 10% of the run, 5-30 s. */
  warmupSeconds?: number;
}

export interface SoakResult {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  idsPerSecond: number;
  /** Socket errors + timeouts + non-2xx answers. */
  errors: number;
  non2xx: number;
  latencyMs: { p50: number; p99: number; max: number };
  rssMiB: { baseline: number; final: number; peak: number };
  /** (final - baseline) / baseline, as a fraction; baseline and final are medians of a window. */
  rssGrowth: number;
  /** V8 heap in use (from /metrics), the floor (minimum) of the same windows: what a leak raises. */
  heapUsedMiB: { baseline: number; final: number };
  heapUsedGrowth: number;
  /** RSS and heap used (MiB) about every tenth of the run, for the shape of the curve. */
  trace: { atSeconds: number; rss: number; heapUsed: number }[];
  /** After the load: /health 200 and a batch of 10,000 strictly increasing IDs of worker 7. */
  healthyAfterwards: boolean;
}

// Every connection cycles through these: the generate paths in every format and size that matter,
// decode and health, so a leak in any of them shows up.
const REQUESTS = [
  { path: "/generate" },
  { path: "/generate?count=100&format=base62" },
  { path: "/generate?format=hex" },
  { path: "/decode/4194308096" },
  { path: "/generate?count=10" },
  { path: "/health" },
];
const IDS_PER_CYCLE = 1 + 100 + 1 + 0 + 10 + 0;

/** The resident set size of process `pid` in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kib / 1024;
}

/** The server's V8 heap in use in MiB, from its own /metrics (prom-client's default metrics). */
async function heapUsedMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Starts a server (static worker ID 7), loads it, samples its RSS every second, stops it. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const connections = options.connections ?? 100;
  const warmupSeconds =
    options.warmupSeconds ?? Math.min(30, Math.max(5, Math.round(options.seconds / 10)));
  const server = await startNodeEntry({ WORKER_ID: "7" });
  try {
    const pid = server.pid;
    const url = server.url;
    await autocannon({ url, connections, duration: warmupSeconds, requests: REQUESTS });

    const samples: number[] = [];
    const heap: number[] = [];
    const trace: SoakResult["trace"] = [];
    const startedAt = performance.now();
    const traceEvery = Math.max(1, Math.round(options.seconds / 10));
    const sample = async () => {
      const rss = rssMiB(pid);
      samples.push(rss);
      const heapUsed = await heapUsedMiB(url);
      heap.push(heapUsed);
      if ((samples.length - 1) % traceEvery === 0) {
        const atSeconds = Math.round((performance.now() - startedAt) / 1000);
        trace.push({ atSeconds, rss: round1(rss), heapUsed: round1(heapUsed) });
      }
    };
    const sampler = setInterval(() => void sample(), 1_000);
    await sample();
    // autocannon answers with a thenable, not a Promise: no .finally on it.
    const result = await autocannon({
      url,
      connections,
      duration: options.seconds,
      requests: REQUESTS,
    }).then(
      (r) => {
        clearInterval(sampler);
        return r;
      },
      (error: unknown) => {
        clearInterval(sampler);
        throw error;
      },
    );
    await sample();

    // Medians of the first and last tenth (at least 3 samples): one GC cycle does not decide.
    const window = Math.max(3, Math.floor(samples.length / 10));
    const baseline = median(samples.slice(0, window));
    const final = median(samples.slice(-window));
    // The heap is a sawtooth between collections whose period can exceed a few samples: its floor
    // over the first and last third of the run (the window's minimum) is what a leak raises.
    const heapWindow = Math.max(5, Math.floor(heap.length / 3));
    const heapBaseline = Math.min(...heap.slice(0, heapWindow));
    const heapFinal = Math.min(...heap.slice(-heapWindow));

    const health = await fetch(`${url}/health`);
    const batch = await fetch(`${url}/generate?count=10000`);
    const { ids } = (await batch.json()) as { ids: string[] };
    const values = ids.map(BigInt);
    const increasing = values.every((id, i) => i === 0 || id > (values[i - 1] as bigint));
    const worker = Number(((values[0] as bigint) >> 12n) & 1023n);
    const requestsPerSecond = result.requests.total / result.duration;
    return {
      seconds: options.seconds,
      warmupSeconds,
      connections,
      requests: result.requests.total,
      requestsPerSecond,
      idsPerSecond: (requestsPerSecond * IDS_PER_CYCLE) / REQUESTS.length,
      errors: result.errors + result.timeouts + result.non2xx,
      non2xx: result.non2xx,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      rssMiB: { baseline, final, peak: Math.max(...samples) },
      rssGrowth: (final - baseline) / baseline,
      heapUsedMiB: { baseline: heapBaseline, final: heapFinal },
      heapUsedGrowth: (heapFinal - heapBaseline) / heapBaseline,
      trace,
      healthyAfterwards:
        health.status === 200 && ids.length === 10_000 && increasing && worker === 7,
    };
  } finally {
    await server.stop("SIGTERM");
  }
}

/**
 * The soak's verdict, shared by `npm run soak` and test/e2e/soak.test.ts: every failed check, or
 * none. A leak raises the V8 heap's post-collection floor; RSS alone is not a verdict, since V8
 * keeps an enlarged heap mapped after a peak (a step, then flat: docs/RELIABILITY.md), so RSS is
 * only bounded: growth under 50% and peak under 512 MiB.
 */
export function soakVerdict(r: SoakResult): string[] {
  const failed: string[] = [];
  if (r.errors > 0 || r.non2xx > 0) failed.push(`${r.errors} errors (${r.non2xx} non-2xx)`);
  if (!r.healthyAfterwards) failed.push("unhealthy or wrong IDs afterwards");
  if (r.heapUsedGrowth >= 1)
    failed.push(`heap floor grew ${(r.heapUsedGrowth * 100).toFixed(0)}% (a leak)`);
  if (r.rssGrowth >= 0.5) failed.push(`RSS grew ${(r.rssGrowth * 100).toFixed(0)}% (>= 50%)`);
  if (r.rssMiB.peak >= 512) failed.push(`RSS peaked at ${r.rssMiB.peak.toFixed(0)} MiB (>= 512)`);
  return failed;
}

/** One paragraph of figures, as docs/RELIABILITY.md records them. */
export function describeSoak(r: SoakResult): string {
  const mib = (n: number) => `${n.toFixed(1)} MiB`;
  return [
    `${r.seconds} s after ${r.warmupSeconds} s warm-up, ${r.connections} connections:`,
    `${r.requests.toLocaleString("en")} requests, ${Math.round(r.requestsPerSecond).toLocaleString("en")} req/s`,
    `(~${(r.idsPerSecond / 1e6).toFixed(2)}M IDs/s), errors ${r.errors} (non-2xx ${r.non2xx}),`,
    `latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms;`,
    `RSS ${mib(r.rssMiB.baseline)} -> ${mib(r.rssMiB.final)} (${(r.rssGrowth * 100).toFixed(1)}%, peak ${mib(r.rssMiB.peak)});`,
    `V8 heap used floor ${mib(r.heapUsedMiB.baseline)} -> ${mib(r.heapUsedMiB.final)} (${(r.heapUsedGrowth * 100).toFixed(1)}%);`,
    `trace (s: RSS/heap MiB) ${r.trace.map((t) => `${t.atSeconds}: ${t.rss}/${t.heapUsed}`).join(", ")};`,
    `healthy and issuing afterwards: ${r.healthyAfterwards ? "yes" : "NO"}`,
  ].join(" ");
}

if (import.meta.main) {
  const usage = "usage: npm run soak -- [--minutes N | --seconds N] [--connections N]";
  const values = parseFlags("soak", usage, {
    minutes: { type: "string" },
    seconds: { type: "string" },
    connections: { type: "string", default: "100" },
  });
  const seconds = values.minutes
    ? Math.round(Number(values.minutes) * 60)
    : Number(values.seconds ?? 30);
  if (!(seconds > 0))
    refuseFlags("soak", usage, "--minutes or --seconds must be a positive number");
  if (!(Number(values.connections) >= 1)) refuseFlags("soak", usage, "--connections must be >= 1");
  console.error(`soak: ${seconds} s at ${values.connections} connections...`);
  const result = await runSoak({ seconds, connections: Number(values.connections) });
  console.log(describeSoak(result));
  console.log(JSON.stringify(result));
  const failed = soakVerdict(result);
  console.error(failed.length === 0 ? "soak: PASSED" : `soak: FAILED: ${failed.join("; ")}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}
