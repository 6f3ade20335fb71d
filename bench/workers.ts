// npm run bench:workers: the Worker in workerd (wrangler's local runtime), and the Lambda bundle's
// init, each against a baseline measured in the same run. `-- --record` writes docs/BENCHMARKS.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import dynalite from "dynalite";
import { unstable_dev } from "wrangler";
import { median } from "../scripts/lib/stats.ts";
import { createDynamoDbClient } from "../src/lease/dynamodb-client.ts";
import { createLeaseTable } from "../src/lease/dynamodb-table.ts";
import { machineLine, table, writeSection } from "./report.ts";

const SECONDS = Number(process.env.BENCH_DURATION ?? 5);
const STARTS = 5;
const CAP_PER_S = 4096 * 1000;
const root = fileURLToPath(new URL("..", import.meta.url));
// Offline: miniflare's placeholder for `request.cf` instead of fetching it from the internet.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
// wrangler's proxy resets its keep-alive sockets when a workerd stops; nothing here reads them.
process.on("uncaughtException", (error: NodeJS.ErrnoException) => {
  if (error.code !== "ECONNRESET") throw error;
});

type Dev = Awaited<ReturnType<typeof unstable_dev>>;

/** A fresh workerd with the Worker (a cold isolate), leasing from `table`. */
async function startWorker(
  endpoint: string,
  table: string,
): Promise<{ dev: Dev; readyMs: number }> {
  const started = performance.now();
  const dev = await unstable_dev(join(root, "src/targets/worker.ts"), {
    config: join(root, "wrangler.toml"),
    env: "local",
    vars: { DYNAMODB_ENDPOINT: endpoint, LEASE_TABLE: table, LOG_LEVEL: "warn" },
    ip: "127.0.0.1",
    port: 0,
    logLevel: "warn",
    experimental: { disableExperimentalWarning: true },
  });
  return { dev, readyMs: performance.now() - started };
}

async function timed(dev: Dev, path: string): Promise<{ ms: number; ids: number }> {
  const started = performance.now();
  const response = await dev.fetch(path, { headers: { accept: "text/plain" } });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
  return { ms: performance.now() - started, ids: body.split("\n").length - 1 };
}

/** A counter's value summed over its series, from the Worker's /metrics. */
async function metric(dev: Dev, name: string): Promise<number> {
  const text = await (await dev.fetch("/metrics")).text();
  const values = text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
  return values.reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

interface Rate {
  requestsPerS: number;
  idsPerS: number;
  /** Time the generator waited for the clock inside the isolate, per request (ms). */
  waitMsPerRequest: number;
}

/** Back-to-back requests from `clients` concurrent callers for `seconds`. */
async function rate(dev: Dev, path: string, clients: number, seconds: number): Promise<Rate> {
  const waitedBefore = await metric(dev, "snowflake_wait_time_microseconds_total");
  const until = performance.now() + seconds * 1000;
  let ids = 0;
  let requests = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const { ids: got } = await timed(dev, path); // not `ids += await`: a lost update
        ids += got;
        requests++;
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const waitedUs = (await metric(dev, "snowflake_wait_time_microseconds_total")) - waitedBefore;
  return {
    requestsPerS: requests / elapsedS,
    idsPerS: ids / elapsedS,
    waitMsPerRequest: waitedUs / 1000 / Math.max(1, requests),
  };
}

/** ms from spawning a fresh Node process to its exit, running `code` (median of STARTS). */
function nodeRunMs(code: string): number {
  const runs: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1" },
    });
    if (result.status !== 0) throw new Error(`node -e failed: ${result.stderr.toString()}`);
    runs.push(performance.now() - started);
  }
  return median(runs);
}

const loadBefore = loadavg();
// dynalite (in memory) on loopback, with the lease table created before any Worker starts.
const db = dynalite({ createTableMs: 0 });
await new Promise<void>((resolve) => db.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
const leaseTable = "bench-leases";
const client = createDynamoDbClient({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
await createLeaseTable(client, leaseTable, { pollMs: 5 });
client.destroy();

// Cold start to first ID: a new workerd per start (a cold isolate), the lease table already there.
const cold: { readyMs: number; firstMs: number; secondMs: number }[] = [];
const none: Rate = { requestsPerS: 0, idsPerS: 0, waitMsPerRequest: 0 };
let rates = { layout: none, single: none, batch: none, batch4: none };
for (let i = 0; i < STARTS; i++) {
  const { dev, readyMs } = await startWorker(endpoint, leaseTable);
  const first = await timed(dev, "/generate");
  const second = await timed(dev, "/generate");
  cold.push({ readyMs, firstMs: first.ms, secondMs: second.ms });
  if (i === STARTS - 1) {
    await rate(dev, "/generate?count=10000", 1, 1); // warm-up
    rates = {
      layout: await rate(dev, "/layout", 1, SECONDS), // requests/s (0 IDs): the harness's own cost
      single: await rate(dev, "/generate", 1, SECONDS),
      batch: await rate(dev, "/generate?count=10000", 1, SECONDS),
      batch4: await rate(dev, "/generate?count=10000", 4, SECONDS),
    };
  }
  await dev.stop();
}
await new Promise<void>((resolve) => db.close(() => resolve()));

// Lambda: the packaged bundle (scripts/build-lambda.ts), imported by a fresh Node process.
const dir = mkdtempSync(join(tmpdir(), "edgeflake-lambda-"));
const bundle = join(dir, "handler.mjs");
spawnSync(process.execPath, [join(root, "scripts/build-lambda.ts"), bundle], { stdio: "ignore" });
const emptyMs = nodeRunMs("");
const lambdaMs = nodeRunMs(`await import(${JSON.stringify(bundle)});`);
rmSync(dir, { recursive: true, force: true });
const loadAfter = loadavg();

const ms = (v: number) => `${v.toFixed(0)} ms`;
const coldTable = table(
  [`Worker, cold isolate (median of ${STARTS} starts)`, "value"],
  [
    ["workerd start to ready (wrangler's local runtime)", ms(median(cold.map((c) => c.readyMs)))],
    [
      "first /generate of the isolate: service built, lease acquired, ID issued",
      ms(median(cold.map((c) => c.firstMs))),
    ],
    ["second /generate (warm isolate, lease held)", ms(median(cold.map((c) => c.secondMs)))],
  ],
);
const row = (name: string, r: Rate, clients: number, ids: boolean) => [
  name,
  r.requestsPerS.toFixed(1),
  `${((1000 * clients) / Math.max(r.requestsPerS, 1e-9)).toFixed(1)} ms`,
  ids ? `${r.waitMsPerRequest.toFixed(2)} ms` : "-",
  ids ? Math.round(r.idsPerS).toLocaleString("en") : "-",
  ids ? `${((r.idsPerS * 100) / CAP_PER_S).toFixed(1)}%` : "-",
];
const rateTable = table(
  [
    "in workerd, back to back",
    "requests/s",
    "per request",
    "clock wait in the isolate per request",
    "IDs/s",
    "% of cap",
  ],
  [
    row("/layout (no IDs: the harness's own cost)", rates.layout, 1, false),
    row("/generate, 1 client", rates.single, 1, true),
    row("count=10000, 1 client", rates.batch, 1, true),
    row("count=10000, 4 clients", rates.batch4, 4, true),
  ],
);
const lambdaTable = table(
  [`Lambda (fresh Node process, median of ${STARTS})`, "ms", "vs empty node"],
  [
    ["node -e '' (baseline)", ms(emptyMs), "1.00x"],
    ["import the packaged bundle (init)", ms(lambdaMs), `${(lambdaMs / emptyMs).toFixed(2)}x`],
    ["init cost of the bundle (difference)", ms(lambdaMs - emptyMs), "-"],
  ],
);
const la = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
const markdown = `## Workers and Lambda (\`npm run bench:workers\`)

${machineLine()}; load average ${la(loadBefore)} before, ${la(loadAfter)} after. The Worker runs in
workerd through wrangler's local runtime (\`unstable_dev\`, \`--env local\`), leasing from dynalite on
loopback with the table already created; every request goes through wrangler's proxy, whose cost the
/layout row shows. ${SECONDS} s per rate row.

${coldTable}

${rateTable}

In workerd \`Date.now()\` only advances across I/O (a timer or a fetch), never during synchronous
code, so a batch larger than one tick (4,096 IDs) cannot spin for the next millisecond: the
generator's async path sleeps \`setTimeout(1)\` per tick it needs (\`Clock.yieldTurn\` is left out
there on purpose). A count=10000 request spans at least 3 ticks, so at least 2 timer waits inside
the isolate (the wait column), and one isolate's rate is bounded by ticks reached per second (about 4,096 IDs
per timer turn), plus the per-request cost of the runtime around it. Across isolates the cap is per
worker ID, and each isolate leases its own.

${lambdaTable}`;
console.log(markdown);
writeSection("workers", markdown); // only with --record
process.exit(0); // wrangler's proxy may still hold sockets open
