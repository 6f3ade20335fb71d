// LEASE_WORKER_IDS: parsing, acquiring only inside the range, NO_FREE_WORKER_ID when it is full,
// one round trip in a sparse range, and the range named in metrics and /health.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { NoFreeWorkerIdError } from "../../src/lease/errors.ts";
import { MemoryLeaseStore } from "../../src/lease/memory-store.ts";
import { freeWorkerIds } from "../../src/lease/policy.ts";
import { contains, nth, parseWorkerIds } from "../../src/lease/worker-range.ts";
import { silentLogger } from "../../src/log.ts";
import { createLazyLeasedService } from "../../src/targets/lazy-lease.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type Dynalite, FaultyHandler, startDynalite } from "./support/dynalite.ts";
import { instance, NOW, sample, TTL } from "./support/instances.ts";

describe("worker-ID ranges", () => {
  it("parses ranges and comma lists into sorted spans with a canonical text", () => {
    expect(parseWorkerIds("0-255")).toMatchObject({ size: 256, text: "0-255" });
    const list = parseWorkerIds("200-255, 150, 0-99");
    expect(list).toMatchObject({ size: 157, text: "0-99,150,200-255" });
    expect(list.spans).toEqual([
      [0, 99],
      [150, 150],
      [200, 255],
    ]);
  });

  it("refuses overlaps, reversed bounds and junk", () => {
    expect(() => parseWorkerIds("0-99,50-60")).toThrow(/overlap/);
    expect(() => parseWorkerIds("9-3")).toThrow(/low <= high/);
    expect(() => parseWorkerIds("a-b")).toThrow(/not N or N-M/);
  });

  it("nth walks the spans (a uniform pick is one draw), contains and freeWorkerIds agree", () => {
    const range = parseWorkerIds("10-11,500,900-901");
    expect([0, 1, 2, 3, 4].map((i) => nth(range, i))).toEqual([10, 11, 500, 900, 901]);
    expect(() => nth(range, 5)).toThrow(RangeError);
    expect([9, 10, 499, 500, 901, 902].map((w) => contains(range, w))).toEqual([
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
    const records = [10, 500, 3].map((workerId) => ({
      workerId,
      owner: "x",
      expiresAt: NOW + 1,
      version: 1,
    }));
    expect(freeWorkerIds(records, range, NOW, () => 0).sort((a, b) => a - b)).toEqual([
      11, 900, 901,
    ]);
  });
});

describe("LEASE_WORKER_IDS in the configuration", () => {
  const base = { LEASE_TABLE: "leases" };
  it("is parsed into the lease config", () => {
    const config = parseConfig({ ...base, LEASE_WORKER_IDS: "0-99,200-255" }, NOW);
    expect(config.lease?.workerIds?.text).toBe("0-99,200-255");
    expect(parseConfig(base, NOW).lease?.workerIds).toBeUndefined();
  });

  it.each([
    [
      { LEASE_WORKER_IDS: "0-1024" },
      ["LEASE_WORKER_IDS", "LAYOUT"],
      /beyond the layout's worker IDs 0-1023/,
    ],
    [{ LEASE_WORKER_IDS: "0-99,50-60" }, ["LEASE_WORKER_IDS"], /overlap/],
    [{ LEASE_WORKER_IDS: "0..9" }, ["LEASE_WORKER_IDS"], /not a range like 0-255/],
    [
      { LEASE_WORKER_IDS: "0-9", LEASE_TABLE: "" },
      ["LEASE_WORKER_IDS", "LEASE_TABLE"],
      /needs leasing/,
    ],
  ])("%j is refused naming %j", (vars, variables, message) => {
    let error: unknown;
    try {
      parseConfig({ ...base, ...vars }, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "INVALID_CONFIG", variables });
    expect((error as Error).message).toMatch(message);
  });

  it("a range within a larger layout is accepted", () => {
    const config = parseConfig(
      { ...base, LAYOUT: "sonyflake", LEASE_WORKER_IDS: "40000-65535" },
      NOW,
    );
    expect(config.lease?.workerIds?.size).toBe(25_536);
  });
});

describe("leasing inside a range (memory store)", () => {
  it("acquires only inside the range; a full range is NO_FREE_WORKER_ID naming it", async () => {
    const store = new MemoryLeaseStore();
    const clock = new FakeClock(NOW);
    const workerIds = parseWorkerIds("5,900-901");
    const held: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = instance(store, clock, { workerIds, random: Math.random });
      await a.leaser.refresh();
      held.push(a.generator.workerId);
    }
    expect(held.sort((a, b) => a - b)).toEqual([5, 900, 901]);
    const late = instance(store, clock, { workerIds });
    const error = await late.leaser.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoFreeWorkerIdError);
    expect(error).toMatchObject({ held: 3, total: 3, range: "5,900-901" });
    expect((error as Error).message).toMatch(/worker IDs 5,900-901/);
    // The rest of the layout is free, and another range leases from it.
    const other = instance(store, clock, { workerIds: parseWorkerIds("0-4") });
    await other.leaser.refresh();
    expect(other.generator.workerId).toBeLessThan(5);
  });

  it("a range beyond the layout is refused by the leaser too", () => {
    const store = new MemoryLeaseStore();
    expect(() =>
      instance(store, new FakeClock(NOW), { workerIds: parseWorkerIds("1024") }),
    ).toThrow(/exceed the layout's 0-1023/);
  });

  it("metrics and /health name the range", async () => {
    const clock = new FakeClock(NOW);
    const config = parseConfig(
      { LEASE_TABLE: "leases", LEASE_WORKER_IDS: "100-199", AUTH_TOKEN: "a-token-of-16-chars!" },
      NOW,
    );
    const service = createLazyLeasedService(config, {
      clock,
      logger: silentLogger,
      runtime: "workers",
      version: "test",
      info: { host: "h", runtime: "workers" },
      store: new MemoryLeaseStore(),
    });
    const metrics = await service.registry.metrics();
    expect(metrics).toMatch(
      /^snowflake_lease_pool_worker_ids\{namespace="edgeflake",range="100-199"\} 100$/m,
    );
    const health = await service.fetch(
      new Request("http://x/health", { headers: { Accept: "application/json" } }),
    );
    expect(await health.json()).toMatchObject({ lease: { state: "none", workerIds: "100-199" } });
  });
});

describe("leasing inside a range (dynalite)", () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  it("a sparse range keeps one round trip; a listing queries only the range's spans", async () => {
    const table = await db.table();
    const handler = new FaultyHandler();
    const store = new DynamoDbLeaseStore({ client: db.client(handler), table, namespace: "ns" });
    const clock = new FakeClock(NOW);
    const workerIds = parseWorkerIds("3,500-509,1000-1023");
    const a = instance(store, clock, { workerIds, random: Math.random });
    await a.leaser.refresh();
    expect(handler.requests).toEqual(["DescribeTable", "UpdateItem", "UpdateItem"]);
    expect(
      workerIds.spans.some(([lo, hi]) => a.generator.workerId >= lo && a.generator.workerId <= hi),
    ).toBe(true);

    // Items outside the range are not read: hold 0-2 and 4-20 directly, list the range.
    for (const workerId of [0, 1, 2, ...Array.from({ length: 17 }, (_, i) => i + 4)]) {
      await store.tryAcquire({
        workerId,
        owner: "o",
        nowMs: NOW,
        expiresAt: NOW + TTL,
        info: { host: "h", runtime: "r" },
      });
    }
    handler.requests.length = 0;
    const listed = await store.list(workerIds);
    expect(listed.map((r) => r.workerId)).toEqual([a.generator.workerId]);
    expect(handler.requests).toEqual(["Query", "Query", "Query"]);
    expect((await store.list()).length).toBe(21);
    expect(
      await sample(a.registry, "snowflake_lease_acquisitions_total", { result: "success" }),
    ).toBe(1);
  });

  it("a full range answers NO_FREE_WORKER_ID after a bounded attempt", async () => {
    const table = await db.table();
    const store = () => new DynamoDbLeaseStore({ client: db.client(), table, namespace: "ns" });
    const clock = new FakeClock(NOW);
    const workerIds = parseWorkerIds("7-8");
    await instance(store(), clock, { workerIds }).leaser.refresh();
    await instance(store(), clock, { workerIds }).leaser.refresh();
    const error = await instance(store(), clock, { workerIds })
      .leaser.refresh()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "NO_FREE_WORKER_ID", held: 2, total: 2, range: "7-8" });
  });
});
