// End to end: `node src/targets/node.ts` processes leasing from one dynalite.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeEntry } from "../../scripts/lib/node-entry.ts";
import { decodeId } from "../../src/core/decode.ts";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

// 2 worker bits: four worker IDs, so a few processes fill the namespace.
const LAYOUT = "custom:51/2/10/1";
const layout = createLayout(LAYOUT, DEFAULT_EPOCH_MS, Date.now());

let db: TestDynamo;
const running: NodeProcess[] = [];
beforeAll(async () => {
  db = await startTestStore({ restartable: true });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop("SIGKILL")));
});
afterAll(async () => {
  await db.dispose();
});

async function env(extra: Record<string, string> = {}) {
  return {
    LEASE_TABLE: await db.table("e2e"),
    DYNAMODB_ENDPOINT: db.endpoint,
    LEASE_TTL_MS: "3000",
    LAYOUT,
    ...extra,
  };
}

async function start(vars: Record<string, string>, ready = true) {
  const service = await startNodeEntry(vars, { ready });
  running.push(service);
  return service;
}

interface Decoded {
  workerId: number;
  timestamp: number;
}

const ids = async (s: NodeProcess, count: number) =>
  (await s.json<{ ids: string[] }>(`/generate?count=${count}`)).ids.map(BigInt);

describe("Node target with DynamoDB leasing (dynalite)", () => {
  it("three processes hold distinct worker IDs; SIGTERM releases at once; a waiting fourth takes the ID above its predecessor", async () => {
    const vars = await env();
    const store = new DynamoDbLeaseStore({
      client: db.client(),
      table: vars.LEASE_TABLE,
      namespace: "edgeflake",
    });
    const services = await Promise.all([start(vars), start(vars), start(vars)]);

    const workers: number[] = [];
    for (const s of services) {
      const { id } = await s.json<{ id: string }>("/generate");
      const decoded = await s.json<Decoded>(`/decode/${id}`);
      const metrics = (await s.get("/metrics")).text;
      const label = /snowflake_ids_generated_total\{worker="(\d+)"\}/.exec(metrics)?.[1];
      expect(label).toBe(String(decoded.workerId));
      expect(metrics).toContain(`snowflake_lease_state{worker="${label}",state="held"} 1`);
      expect((await s.get("/health")).status).toBe(200);
      workers.push(decoded.workerId);
    }
    expect(new Set(workers).size).toBe(3);

    // The fourth worker ID is held too (by an instance the test plays), so a fourth process waits.
    const free = [0, 1, 2, 3].find((w) => !workers.includes(w)) as number;
    await store.tryAcquire({
      workerId: free,
      owner: "test",
      nowMs: Date.now(),
      expiresAt: Date.now() + 600_000,
      info: { host: "test", runtime: "test" },
    });
    const fourth = await start(vars, false);
    await fourth.waitForLog((log) => log.msg === "listening");
    await fourth.waitForLog((log) => /no free worker ID/.test(String(log.err)));
    // Issue #15: it listens at once (it used to not listen at all): alive, but neither ready nor healthy.
    expect((await fourth.get("/readyz")).status).toBe(503);
    expect((await fourth.get("/health")).status).toBe(503);
    expect((await fourth.get("/livez")).status).toBe(200);

    const leaving = services[1] as NodeProcess;
    const leavingWorker = workers[1] as number;
    const issued = await ids(leaving, 5_000);
    const exitCode = await leaving.stop("SIGTERM");
    const stoppedAt = Date.now();
    expect(exitCode).toBe(0);
    const predecessorMax = issued.at(-1) as bigint; // a batch is strictly increasing
    const item = await store.get(leavingWorker);
    expect(item?.expiresAt).toBeLessThanOrEqual(Date.now());
    // Just past the last issued timestamp.
    expect(item?.expiresAt).toBe(decodeId(predecessorMax, layout).timestamp + 1);

    const readyMs = await fourth.ready();
    const takenAfterMs = Date.now() - stoppedAt;
    expect(takenAfterMs).toBeLessThan(1_500); // polled every ttl/10 = 300 ms (jittered)
    const next = await ids(fourth, 10);
    const decoded = await fourth.json<Decoded>(`/decode/${next[0]}`);
    expect(decoded.workerId).toBe(leavingWorker);
    for (const id of next) expect(id).toBeGreaterThan(predecessorMax);
    expect(readyMs).toBeGreaterThan(0);
  });

  it("store outage: /health turns 503 first, then /generate; after dynalite returns the service recovers by itself", async () => {
    const vars = await env({ LEASE_TTL_MS: "1500" });
    const service = await start(vars);
    expect((await service.get("/generate")).status).toBe(200);
    await db.stop();
    const stoppedAt = Date.now();
    let healthFailedAt = 0;
    let generateFailedAt = 0;
    let generateBody = "";
    while (Date.now() - stoppedAt < 5_000 && generateFailedAt === 0) {
      const health = await service.get("/health");
      if (health.status === 503 && healthFailedAt === 0) healthFailedAt = Date.now();
      const generated = await service.get("/generate");
      if (generated.status === 503) {
        generateFailedAt = Date.now();
        generateBody = generated.text;
      } else {
        expect(generated.status).toBe(200);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(healthFailedAt).toBeGreaterThan(0);
    expect(generateFailedAt).toBeGreaterThan(healthFailedAt);
    expect(generateFailedAt - stoppedAt).toBeLessThan(1_500 + 500); // TTL plus polling slack
    expect(JSON.parse(generateBody)).toMatchObject({ status: 503 });
    const health = await service.get("/health");
    expect(health.status).toBe(503);
    expect(health.text).toMatch(/lease/);

    await db.start();
    const restartedAt = Date.now();
    let recovered = false;
    while (!recovered && Date.now() - restartedAt < 5_000) {
      recovered = (await service.get("/generate")).status === 200;
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(recovered).toBe(true);
    expect((await service.get("/health")).status).toBe(200);
    expect(service.child.exitCode).toBeNull(); // the same process throughout
  });

  it("a process configured with another layout refuses the namespace and exits with a clear error", async () => {
    const vars = await env();
    await start(vars);
    const other = await start({ ...vars, LAYOUT: "classic" }, false);
    const code = await other.exited;
    expect(code).toBe(1);
    const log = other.logs.find((l) => l.msg === "cannot lease a worker ID; exiting");
    expect(String(log?.err)).toMatch(/NamespaceMismatchError.*bound to layout custom:51\/2\/10\/1/);
  });
});
