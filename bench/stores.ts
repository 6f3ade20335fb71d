// npm run bench:stores: the lease store's round trips on dynalite and on Amazon's DynamoDB Local
// in one run (ratios against dynalite, the baseline), plus DynamoDB Local's start and restart.
// `-- --record` writes the figures to docs/BENCHMARKS.md.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dynalite from "dynalite";
import { DynamoDbLocal } from "../scripts/lib/dynamodb-local.ts";
import { median, percentile } from "../scripts/lib/stats.ts";
import { createDynamoDbClient, createLeaseTable, DynamoDbLeaseStore } from "../src/lease/index.ts";
import type { Lease } from "../src/lease/store.ts";
import { machineLine, table, writeSection } from "./report.ts";

const p99 = (xs: number[]) => percentile(xs, 0.99);

const RUNS = Number(process.env.BENCH_STORE_RUNS ?? 300);
const BURST = 200;
const INFO = { host: "bench", runtime: "bench" };

interface Figures {
  acquire: number[];
  renew: number[];
  adopt: number[];
  burstMs: number;
}

async function measure(endpoint: string): Promise<Figures> {
  const client = createDynamoDbClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // A burst of new connections waits for DynamoDB Local's small accept queue.
    requestHandler: { connectionTimeout: 20_000, requestTimeout: 20_000 },
  });
  const name = `bench-${crypto.randomUUID().slice(0, 8)}`;
  await createLeaseTable(client, name, { pollMs: 5 });
  const store = new DynamoDbLeaseStore({ client, table: name, namespace: "bench" });
  const now = Date.now();
  const timed = async (run: () => Promise<unknown>, into: number[]) => {
    const started = performance.now();
    await run();
    into.push(performance.now() - started);
  };
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await timed(() => store.tryAcquire(request(100_000 + i, now)), warm); // JIT and connections
  }
  const figures: Figures = { acquire: [], renew: [], adopt: [], burstMs: 0 };
  let lease: Lease | undefined;
  for (let i = 0; i < RUNS; i++) {
    await timed(async () => {
      lease = (await store.tryAcquire(request(i, now)))?.lease;
    }, figures.acquire);
  }
  if (!lease) throw new Error("not acquired");
  for (let i = 0; i < RUNS; i++) {
    const held: Lease = lease;
    await timed(async () => {
      lease = await store.renew(held, now + 60_000 + i, now);
    }, figures.renew);
  }
  // A lost answer adopted: the stale version fails, then the item is read (from the answer or a
  // GetItem) and written again.
  for (let i = 0; i < RUNS; i++) {
    const stale: Lease = { ...lease, version: lease.version - 1 };
    await timed(async () => {
      lease = await store.renew(stale, now + 60_000 + i, now);
    }, figures.adopt);
  }
  const started = performance.now();
  await Promise.all(
    Array.from({ length: BURST }, (_, i) => store.tryAcquire(request(50_000 + i, now))),
  );
  figures.burstMs = performance.now() - started;
  client.destroy();
  return figures;
}

function request(workerId: number, now: number) {
  return { workerId, owner: `bench-${workerId}`, nowMs: now, expiresAt: now + 60_000, info: INFO };
}

const ms = (x: number) => x.toFixed(x < 10 ? 2 : 0);

const path = mkdtempSync(join(tmpdir(), "edgeflake-bench-stores-"));
const server = dynalite({ createTableMs: 0, path });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
let started = performance.now();
const local = await DynamoDbLocal.start({ dbPath: true });
const startMs = performance.now() - started;
try {
  const base = await measure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const other = await measure(local.endpoint);
  started = performance.now();
  await local.stop("SIGKILL");
  await local.restart();
  const restartMs = performance.now() - started;
  const row = (op: string, a: number[], b: number[]) => [
    op,
    `${ms(median(a))} / ${ms(p99(a))}`,
    `${ms(median(b))} / ${ms(p99(b))}`,
    `${(median(b) / median(a)).toFixed(2)}x`,
  ];
  const markdown = [
    "## Lease stores: dynalite and DynamoDB Local (`npm run bench:stores`)",
    "",
    `${machineLine()}. dynalite 4.0.0 in the bench's own process (on-disk LevelDB), DynamoDB Local 3.3.0 as a JVM child (\`-dbPath\`, the helper's C1-only JIT); ${RUNS} sequential operations per row after ${RUNS} warm-up acquires, one client each.`,
    "",
    table(
      [
        "operation",
        "dynalite median / p99 ms",
        "DynamoDB Local median / p99 ms",
        "ratio (medians)",
      ],
      [
        row("acquire a free worker ID (1 round trip)", base.acquire, other.acquire),
        row("renew (1 round trip)", base.renew, other.renew),
        row(
          "renew adopting a lost answer (dynalite 3 round trips, DynamoDB Local 2)",
          base.adopt,
          other.adopt,
        ),
        [
          `${BURST} simultaneous acquires (wall ms)`,
          ms(base.burstMs),
          ms(other.burstMs),
          `${(other.burstMs / base.burstMs).toFixed(2)}x`,
        ],
      ],
    ),
    "",
    `DynamoDB Local: ${ms(startMs)} ms from spawn to the first answer, ${ms(restartMs)} ms for SIGKILL and a restart on the same port with the data.`,
  ].join("\n");
  console.log(markdown);
  writeSection("stores", markdown);
} finally {
  await local.dispose();
  await new Promise((resolve) => server.close(resolve));
  rmSync(path, { recursive: true, force: true });
}
