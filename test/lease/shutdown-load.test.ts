// Graceful shutdown under load: a leasing Node server (dynalite) gets SIGTERM while dozens of
// requests are in flight. Every request it accepted completes with its IDs, the lease is released,
// and a new process takes the same worker ID at once, issuing above every ID the first one issued.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeEntry } from "../../scripts/lib/node-entry.ts";
import { decodeId } from "../../src/core/decode.ts";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

// One worker bit: two worker IDs. The test holds one, so both processes must use the other.
const LAYOUT = "custom:52/1/10/1";
const layout = createLayout(LAYOUT, DEFAULT_EPOCH_MS, Date.now());
const CONCURRENCY = 48;
const COUNT = 1000;

type Outcome =
  | { kind: "ok"; ids: bigint[] }
  | { kind: "status"; status: number; body: string }
  | { kind: "refused"; code: string; bytes: number };

/** One GET on a fresh connection (no keep-alive race): its status and IDs, or how it failed. */
function generate(port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let bytes = 0;
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: `/generate?count=${COUNT}`,
        agent: false,
        headers: { Connection: "close" },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          bytes += chunk.length;
          body += chunk;
        });
        res.on("end", () => {
          if (res.statusCode !== 200) {
            resolve({ kind: "status", status: res.statusCode ?? 0, body });
            return;
          }
          const parsed = JSON.parse(body) as { ids: string[] };
          resolve({ kind: "ok", ids: parsed.ids.map(BigInt) });
        });
        res.on("error", (error: NodeJS.ErrnoException) => {
          resolve({ kind: "status", status: -1, body: `${error.code}: ${body.slice(0, 100)}` });
        });
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ kind: "refused", code: error.code ?? error.message, bytes }),
    );
    req.end();
  });
}

let db: TestDynamo;
const running: NodeProcess[] = [];
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
  await db?.dispose();
});

describe("graceful shutdown under load (leasing on dynalite)", () => {
  it("SIGTERM with requests in flight: all accepted ones complete, the lease is released, the successor issues above", async () => {
    const table = await db.table("shutdown");
    const vars = {
      LEASE_TABLE: table,
      DYNAMODB_ENDPOINT: db.endpoint,
      LEASE_TTL_MS: "5000",
      LAYOUT,
    };
    const store = new DynamoDbLeaseStore({ client: db.client(), table, namespace: "edgeflake" });
    const first = await startNodeEntry(vars);
    running.push(first);
    const { id } = await first.json<{ id: string }>("/generate");
    const worker = decodeId(BigInt(id), layout).workerId;
    // The other worker ID is held (by the test), so the successor can only take this one.
    await store.tryAcquire({
      workerId: 1 - worker,
      owner: "test",
      nowMs: Date.now(),
      expiresAt: Date.now() + 600_000,
      info: { host: "test", runtime: "test" },
    });

    // CONCURRENCY clients, each issuing requests back to back until the server is gone.
    const outcomes: Outcome[] = [];
    let exited = false;
    let signalledAt = 0;
    const inFlightAtSignal: Promise<Outcome>[] = [];
    const client = async () => {
      while (!exited) {
        const pending = generate(first.port);
        if (signalledAt === 0) inFlightAtSignal.push(pending);
        const outcome = await pending;
        outcomes.push(outcome);
        if (outcome.kind === "refused" && signalledAt > 0) return;
      }
    };
    const clients = Array.from({ length: CONCURRENCY }, client);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    signalledAt = Date.now();
    // Requests sent in the last moments before the signal are the ones in flight.
    const lastBeforeSignal = inFlightAtSignal.slice(-CONCURRENCY);
    const code = await first.stop("SIGTERM");
    exited = true;
    const exitedAt = Date.now();
    await Promise.all(clients);

    expect(code).toBe(0);
    expect(exitedAt - signalledAt).toBeLessThan(5_000);
    // Every answer is a complete 200 with its IDs; the rest never got a byte (refused or reset
    // before the server accepted them).
    const failures = outcomes.filter((o) => o.kind === "status");
    expect(failures).toEqual([]);
    for (const o of outcomes) if (o.kind === "refused") expect(o.bytes).toBe(0);
    const served = outcomes.filter((o) => o.kind === "ok");
    const inFlightServed = (await Promise.all(lastBeforeSignal)).filter((o) => o.kind === "ok");
    expect(inFlightServed.length).toBeGreaterThan(CONCURRENCY / 2);
    // Nothing issued was lost: the server's own count equals the IDs the clients received.
    const issued = served.flatMap((o) => o.ids);
    const stopped = first.logs.find((log) => log.msg === "stopped");
    expect(stopped?.generated).toBe(issued.length + 1);
    expect(new Set(issued).size).toBe(issued.length);
    let firstMax = BigInt(id);
    for (const v of issued) if (v > firstMax) firstMax = v;

    // Released: expiresAt just past the last issued timestamp, so not in the future.
    const item = await store.get(worker);
    expect(item?.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(item?.expiresAt).toBe(decodeId(firstMax, layout).timestamp + 1);

    // A successor takes the same worker ID at once (no wait for the TTL) and issues above.
    const startedAt = Date.now();
    const second = await startNodeEntry(vars);
    running.push(second);
    expect(Date.now() - startedAt).toBeLessThan(5_000 - 1_000); // well within one TTL
    const next = (await second.json<{ ids: string[] }>("/generate?count=10000")).ids.map(BigInt);
    expect(decodeId(next[0] as bigint, layout).workerId).toBe(worker);
    for (const v of next) expect(v > firstMax).toBe(true);
    console.log(
      `shutdown under load: ${served.length} requests served (${issued.length} IDs), ${inFlightServed.length} of the last ${CONCURRENCY} in flight at SIGTERM completed, exit after ${exitedAt - signalledAt} ms, successor ready in ${Date.now() - startedAt} ms`,
    );
  }, 60_000);
});
