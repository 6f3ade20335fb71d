// npm run bench:lease: lease round trips and latency against dynalite, and the Node target's
// start-to-ready time with leasing next to static mode. One run; `-- --record` writes the figures to docs/BENCHMARKS.md.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { startNodeEntry } from "../scripts/lib/node-entry.ts";
import { median } from "../scripts/lib/stats.ts";
import { createLayout, DEFAULT_EPOCH_MS, SnowflakeGenerator } from "../src/core/index.ts";
import {
  createDynamoDbClient,
  createLeaseTable,
  DynamoDbLeaseStore,
  Leaser,
} from "../src/lease/index.ts";
import { systemClock } from "../src/system-clock.ts";
import { machineLine, table, writeSection } from "./report.ts";

const RUNS = 200;
const STARTS = 7;
const TTL_MS = 30_000;
const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());

interface Trip {
  /** The namespace-binding write (once per process), as opposed to lease operations. */
  bind: boolean;
  ms: number;
}

/** A client that records every HTTP round trip (one per `send`: the SDK's retries are off). */
function recordingClient(endpoint: string): { client: DynamoDBClient; trips: Trip[] } {
  const client = createDynamoDbClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const trips: Trip[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        const key = (args.input as { Key?: { sk?: { S?: string } } }).Key;
        const bind = context.commandName === "UpdateItemCommand" && key?.sk?.S === "#binding";
        trips.push({ bind, ms: performance.now() - started });
      }
    },
    { step: "initialize", name: "recordTrips" },
  );
  return { client, trips };
}

interface Stats {
  trips: number;
  median: number;
  p99: number;
}

function summarize(samples: { trips: number; ms: number }[]): Stats {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const trips = samples.reduce((sum, s) => sum + s.trips, 0) / samples.length;
  return { trips, median: at(0.5), p99: at(0.99) };
}

function leaser(store: DynamoDbLeaseStore): Leaser {
  const generator = new SnowflakeGenerator({ layout, clock: systemClock });
  return new Leaser({ store, generator, clock: systemClock, ttlMs: TTL_MS });
}

/** Runs `fn`; returns its round trips and time, leaving out the namespace-binding write. */
async function measure(trips: Trip[], fn: () => Promise<unknown>, withBind = false) {
  const from = trips.length;
  const started = performance.now();
  await fn();
  const total = performance.now() - started;
  const mine = trips.slice(from);
  const bind = mine.filter((t) => t.bind);
  return {
    trips: withBind ? mine.length : mine.length - bind.length,
    ms: withBind ? total : total - bind.reduce((sum, t) => sum + t.ms, 0),
  };
}

async function leaseFigures(endpoint: string): Promise<[string, Stats][]> {
  const { client, trips } = recordingClient(endpoint);
  const tableName = "bench-leases";
  await createLeaseTable(client, tableName, { pollMs: 5 });
  const rows: [string, Stats][] = [];

  // A process's first lease: bind the namespace, then acquire (the first candidate is free).
  const cold = [];
  for (let i = 0; i < RUNS; i++) {
    const store = new DynamoDbLeaseStore({ client, table: tableName, namespace: `cold-${i}` });
    cold.push(await measure(trips, () => leaser(store).refresh(), true));
  }
  rows.push(["first lease of a process (bind + acquire), empty namespace", summarize(cold)]);

  // Acquire alone in a namespace filling up from 0 to RUNS of its 1,024 worker IDs.
  const fill = new DynamoDbLeaseStore({ client, table: tableName, namespace: "fill" });
  const held: Leaser[] = [];
  const filling = [];
  for (let i = 0; i < RUNS; i++) {
    const l = leaser(fill);
    filling.push(await measure(trips, () => l.refresh()));
    held.push(l);
  }
  rows.push([`acquire, 0-${RUNS - 1} of 1,024 IDs already held`, summarize(filling)]);

  // Nearly full: 1,023 of 1,024 held, so random picks miss and the leaser lists the namespace.
  const full = new DynamoDbLeaseStore({ client, table: tableName, namespace: "full" });
  const nowMs = Date.now();
  for (let from = 0; from < 1023; from += 50) {
    const ids = Array.from({ length: Math.min(50, 1023 - from) }, (_, i) => from + i);
    await Promise.all(
      ids.map((workerId) =>
        full.tryAcquire({
          workerId,
          owner: `filler-${workerId}`,
          nowMs,
          expiresAt: nowMs + 600_000,
          info: { host: "bench", runtime: "bench" },
        }),
      ),
    );
  }
  const nearlyFull = [];
  for (let i = 0; i < 20; i++) {
    const l = leaser(full);
    nearlyFull.push(await measure(trips, () => l.refresh()));
    await l.stop(); // released at or before now: free again for the next run
  }
  rows.push(["acquire, 1,023 of 1,024 IDs held", summarize(nearlyFull)]);

  const renewals = [];
  for (const l of held) renewals.push(await measure(trips, () => l.refresh()));
  rows.push(["renew", summarize(renewals)]);
  const releases = [];
  for (const l of held) releases.push(await measure(trips, () => l.stop()));
  rows.push(["release", summarize(releases)]);
  client.destroy();
  return rows;
}

/** ms from spawn to the "ready" log line, and from there back to the first lease log line. */
async function startToReady(
  env: Record<string, string>,
): Promise<{ readyMs: number; leaseMs: number }> {
  const server = await startNodeEntry(env);
  const readyAt = Date.now();
  const acquired = server.logs.find((log) => log.msg === "acquired worker-ID lease");
  // expiresAt = the acquirer's clock when it sent the write + TTL.
  const leaseStartedAt = acquired?.expiresAt ? Number(acquired.expiresAt) - TTL_MS : undefined;
  await server.stop("SIGTERM");
  return { readyMs: server.readyMs, leaseMs: leaseStartedAt ? readyAt - leaseStartedAt : 0 };
}

const path = mkdtempSync(join(tmpdir(), "edgeflake-bench-"));
const server = dynalite({ createTableMs: 0, path });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
try {
  const rows = await leaseFigures(endpoint);

  const startEnv = {
    LEASE_TABLE: "bench-leases",
    DYNAMODB_ENDPOINT: endpoint,
    LEASE_NAMESPACE: "start",
    LEASE_TTL_MS: String(TTL_MS),
  };
  const leased: number[] = [];
  const stat: number[] = [];
  const leasePart: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    stat.push((await startToReady({ WORKER_ID: "1" })).readyMs);
    const run = await startToReady(startEnv);
    leased.push(run.readyMs);
    leasePart.push(run.leaseMs);
  }
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : 0);

  const markdown = [
    "## Leasing against dynalite (`npm run bench:lease`)",
    "",
    `${machineLine()}. dynalite (on-disk LevelDB) on loopback in the same process, ${RUNS} runs per row (20 for the nearly full namespace). Round trips are HTTP requests to the table; the SDK's own retries are off.`,
    "",
    table(
      ["operation", "round trips (mean)", "median ms", "p99 ms"],
      rows.map(([name, s]) => [name, s.trips.toFixed(2), ms(s.median), ms(s.p99)]),
    ),
    "",
    `Start-to-ready of the Node target (\`node src/targets/node.ts\`, spawn to the "ready" log line: listening, and with leasing a lease held), median of ${STARTS} starts each, dynalite already answering:`,
    "",
    table(
      ["mode", "start-to-ready ms (median)"],
      [
        ["static `WORKER_ID`", ms(median(stat))],
        ["`LEASE_TABLE` (bind + acquire; it listens meanwhile)", ms(median(leased))],
        ["difference (the cost of leasing at start)", ms(median(leased) - median(stat))],
        ["acquire sent -> ready (from the service's own clock)", ms(median(leasePart))],
      ],
    ),
    "",
    `Targets (issue 5): one round trip when the first candidate is free (measured: ${rows[1]?.[1].trips.toFixed(2)} per acquire while the namespace fills, 2 for a process's first lease because the namespace binding is checked once per process); ready in under 300 ms after dynalite answers (measured: leasing adds ${ms(median(leased) - median(stat))} ms to the start; the rest is Node booting and loading the service, the same in static mode).`,
  ].join("\n");
  console.log(markdown);
  writeSection("lease", markdown);
} finally {
  await new Promise((resolve) => server.close(resolve));
  rmSync(path, { recursive: true, force: true });
}
