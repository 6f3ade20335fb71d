import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeId } from "../../src/core/decode.ts";
import { ClockBackwardError, LeaseExpiredError } from "../../src/core/errors.ts";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { NamespaceMismatchError, NoFreeWorkerIdError } from "../../src/lease/errors.ts";
import { MemoryLeaseStore } from "../../src/lease/memory-store.ts";
import type { Timers } from "../../src/lease/timers.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { FaultyHandler } from "./support/dynalite.ts";
import { CLASSIC, codeOf, instance, NOW, sample, TTL } from "./support/instances.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(async () => {
  await db.stop();
});

/** A store on a fresh table; stores made by one call share the table (several instances). */
async function storeFactory(namespace = "edgeflake", handler?: FaultyHandler) {
  const table = await db.table();
  const client = db.client(handler);
  return () => new DynamoDbLeaseStore({ client, table, namespace });
}

const sorted = (ids: bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const max = (ids: bigint[]) => sorted(ids).at(-1) as bigint;
const min = (ids: bigint[]) => sorted(ids)[0] as bigint;

describe("Leaser against dynalite", () => {
  it("200 concurrent acquirers get distinct worker IDs; with all 1,024 held the next gets NoFreeWorkerId", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const first = Array.from({ length: 200 }, () => instance(store(), clock));
    await Promise.all(first.map((i) => i.leaser.refresh()));
    const ids = first.map((i) => i.generator.workerId);
    expect(new Set(ids).size).toBe(200);
    for (const i of first) {
      expect(decodeId(i.generator.next(), CLASSIC).workerId).toBe(i.generator.workerId);
    }

    // Fill the other 824 worker IDs directly, concurrently.
    const filler = store();
    const taken = new Set(ids);
    const rest = Array.from({ length: 1024 }, (_, w) => w).filter((w) => !taken.has(w));
    const results = await Promise.all(
      rest.map((workerId) =>
        filler.tryAcquire({
          workerId,
          owner: `filler-${workerId}`,
          nowMs: NOW,
          expiresAt: NOW + TTL,
          info: { host: "test", runtime: "test" },
        }),
      ),
    );
    expect(results.every((r) => r !== undefined)).toBe(true);
    expect((await filler.list()).length).toBe(1024);

    const handler = new FaultyHandler();
    const table = (filler as DynamoDbLeaseStore).table;
    const lateStore = new DynamoDbLeaseStore({
      client: db.client(handler),
      table,
      namespace: "edgeflake",
    });
    const late = instance(lateStore, clock);
    const error = await late.leaser.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoFreeWorkerIdError);
    expect(error).toMatchObject({ code: "NO_FREE_WORKER_ID", held: 1024, total: 1024 });
    // A bounded attempt, not a loop: bind (table mode, binding), two random candidates, a listing.
    expect(handler.requests).toEqual([
      "DescribeTable",
      "UpdateItem",
      "UpdateItem",
      "UpdateItem",
      "Query",
    ]);
    expect(late.leaser.healthCheck(NOW)?.detail).toMatch(/1024 of 1024 are held/);
    expect(codeOf(() => late.generator.next())).toBe("LEASE_EXPIRED");
    // Still full: the next attempt lists first instead of writing blindly.
    await expect(late.leaser.refresh()).rejects.toBeInstanceOf(NoFreeWorkerIdError);
    expect(handler.requests.slice(5)).toEqual(["Query"]);
  });

  it("acquires in one round trip when the first candidate is free (plus one bind per process)", async () => {
    const handler = new FaultyHandler();
    const store = await storeFactory("edgeflake", handler);
    const clock = new FakeClock(NOW);
    const a = instance(store(), clock);
    await a.leaser.refresh();
    // The bind reads the table's replication mode (DescribeTable) and the binding; then one write.
    expect(handler.requests).toEqual(["DescribeTable", "UpdateItem", "UpdateItem"]);
    expect(a.leaser.current).toMatchObject({ expiresAt: NOW + TTL, version: 1 });
    expect(a.generator.fence).toEqual({ floorMs: CLASSIC.epochMs, limitMs: NOW + TTL });
    expect(
      await sample(a.registry, "snowflake_lease_acquisitions_total", { result: "success" }),
    ).toBe(1);
    const b = instance(store(), clock);
    await b.leaser.refresh();
    expect(handler.requests.length).toBe(5); // bind + acquire again, for the second instance (the table mode is read once per client)
  });

  it("expiry and takeover: the old holder's renewal fails, it stops at once and leases another ID", async () => {
    const store = await storeFactory();
    const clockA = new FakeClock(NOW);
    const clockB = new FakeClock(NOW);
    const random = () => 0; // both try worker ID 0 first
    const a = instance(store(), clockA, { random, workerIdCount: 2 });
    const b = instance(store(), clockB, { random, workerIdCount: 2 });
    await a.leaser.refresh();
    expect(a.generator.workerId).toBe(0);
    const issuedA = [a.generator.next(), ...a.generator.nextBatch(100)];

    // B cannot take a live lease: it gets the other ID...
    const c = instance(store(), clockB, { random, workerIdCount: 2 });
    await c.leaser.refresh();
    expect(c.generator.workerId).toBe(1);
    await c.leaser.stop();

    // ...but once A's lease has expired (A is paused and does not renew), B takes ID 0 over.
    clockB.set(NOW + TTL);
    await b.leaser.refresh();
    expect(b.generator.workerId).toBe(0);
    expect(b.leaser.floor).toBe(NOW + TTL);
    const issuedB = b.generator.nextBatch(100);

    // A wakes up with a clock that says little time passed: its renewal conflicts, it revokes.
    clockA.set(NOW + 5_000);
    issuedA.push(a.generator.next()); // still inside its own fence: below B's floor, so disjoint
    await a.leaser.refresh();
    expect(await sample(a.registry, "snowflake_lease_renewals_total", { result: "conflict" })).toBe(
      1,
    );
    expect(a.generator.workerId).toBe(1); // re-acquired the free one
    expect(a.generator.fence.floorMs).toBeGreaterThan(NOW + 5_000 - 1);
    expect(min(issuedB)).toBeGreaterThan(max(issuedA));
    expect(issuedB.every((id) => decodeId(id, CLASSIC).timestamp >= NOW + TTL)).toBe(true);
  });

  it("an old holder paused past its lease never issues again under that lease", async () => {
    const store = await storeFactory();
    const clockA = new FakeClock(NOW);
    const clockB = new FakeClock(NOW);
    const a = instance(store(), clockA, { random: () => 0, workerIdCount: 1 });
    const b = instance(store(), clockB, { random: () => 0, workerIdCount: 1 });
    await a.leaser.refresh();
    const last = a.generator.next();

    clockA.set(NOW + TTL + 10_000); // paused for 10 s past its lease
    expect(a.leaser.state).toBe("expired");
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    expect(a.leaser.healthCheck(clockA.now())?.detail).toMatch(/expired 10000 ms ago/);
    expect(
      await sample(a.registry, "snowflake_lease_state", { state: "expired", worker: "0" }),
    ).toBe(1);

    clockB.set(NOW + TTL + 1);
    await b.leaser.refresh();
    const first = b.generator.next();

    // However A's clock now reads, it never issues under the old lease again.
    await expect(a.leaser.refresh()).rejects.toBeInstanceOf(NoFreeWorkerIdError);
    for (const at of [NOW + 1, NOW + TTL - 1, NOW + TTL + 10_001]) {
      clockA.set(at);
      expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    }
    expect(a.leaser.state).toBe("acquiring");
    expect(first).toBeGreaterThan(last);
  });

  it("a renewal after expiry without a takeover recovers the same lease", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const a = instance(store(), clock);
    await a.leaser.refresh();
    const before = a.generator.next();
    clock.advance(TTL + 10_000);
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    await a.leaser.refresh();
    expect(a.leaser.current?.expiresAt).toBe(NOW + 2 * TTL + 10_000);
    expect(a.generator.next()).toBeGreaterThan(before);
  });

  it("fencing: the new holder's IDs are above every ID of the old one, whatever its clock says", async () => {
    const store = await storeFactory();
    const clockA = new FakeClock(NOW + 5_000); // A runs 5 s ahead of B
    const clockB = new FakeClock(NOW);
    const a = instance(store(), clockA, { workerIdCount: 1 });
    const b = instance(store(), clockB, { workerIdCount: 1 });
    await a.leaser.refresh();
    const issuedA: bigint[] = [];
    for (let t = 0; t < TTL; t += 997) {
      clockA.set(NOW + 5_000 + t);
      issuedA.push(...a.generator.nextBatch(50));
    }
    clockA.set(NOW + 5_000 + TTL - 1);
    issuedA.push(...a.generator.nextBatch(4096)); // the whole last tick before expiresAt
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED"); // tick exhausted, limit reached

    // B's clock reaches A's expiresAt only 5 s later than A's did.
    clockB.set(NOW + TTL);
    await expect(b.leaser.refresh()).rejects.toBeInstanceOf(NoFreeWorkerIdError);
    clockB.set(NOW + 5_000 + TTL);
    await b.leaser.refresh();
    expect(b.leaser.floor).toBe(NOW + 5_000 + TTL);

    // B's clock then steps back a little (within tolerance): it waits for the floor instead.
    clockB.set(NOW + 5_000 + TTL - 8);
    const firstB = await b.generator.nextAsync();
    expect(firstB).toBeGreaterThan(max(issuedA));
    expect(decodeId(firstB, CLASSIC).timestamp).toBe(NOW + 5_000 + TTL);
    // Further back than the tolerance: refused, never an ID below the floor.
    clockB.set(NOW);
    expect(() => b.generator.next()).toThrow(ClockBackwardError);
  });

  it("release lets the next holder start at once, above every released ID", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const a = instance(store(), clock, { workerIdCount: 1 });
    const b = instance(store(), clock, { workerIdCount: 1 });
    await a.leaser.refresh();
    clock.advance(1_234);
    const issuedA = await a.generator.nextBatchAsync(5_000); // spills into the next tick
    const lastTs = decodeId(max(issuedA), CLASSIC).timestamp;
    expect(lastTs).toBe(NOW + 1_235);
    await a.leaser.stop();
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    const item = await a.leaser.store.get(0);
    expect(item?.expiresAt).toBe(lastTs + 1); // just past the last issued timestamp

    clock.set(lastTs + 1);
    await b.leaser.refresh();
    expect(b.leaser.floor).toBe(lastTs + 1);
    expect(min(b.generator.nextBatch(10))).toBeGreaterThan(max(issuedA));
    expect(a.leaser.healthCheck(clock.now())?.detail).toMatch(/released/);
  });

  it("release of an unused lease keeps the previous holder's fence", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const a = instance(store(), clock, { workerIdCount: 1 });
    await a.leaser.refresh();
    clock.advance(100);
    a.generator.next();
    await a.leaser.stop();
    clock.advance(1);
    const b = instance(store(), clock, { workerIdCount: 1 });
    await b.leaser.refresh();
    await b.leaser.stop(); // issued nothing
    expect((await b.leaser.store.get(0))?.expiresAt).toBe(NOW + 101);
  });

  it("refuses to lease from a namespace bound to another layout", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    await instance(store(), clock).leaser.refresh();
    const sony = createLayout("sonyflake", DEFAULT_EPOCH_MS, NOW);
    const other = instance(store(), clock, { layout: sony });
    const error = await other.leaser.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NamespaceMismatchError);
    expect((error as Error).message).toMatch(
      /bound to layout classic.*configured with layout sonyflake/,
    );
    expect(other.generator.workerId).toBe(-1);
  });

  it("reports state, seconds to expiry and renewal latency as metrics", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const a = instance(store(), clock);
    expect(await sample(a.registry, "snowflake_lease_state", { state: "acquiring" })).toBe(1);
    await a.leaser.refresh();
    const worker = String(a.generator.workerId);
    clock.advance(10_000);
    await a.leaser.refresh();
    clock.advance(5_000);
    expect(await sample(a.registry, "snowflake_lease_state", { worker, state: "held" })).toBe(1);
    expect(await sample(a.registry, "snowflake_lease_state", { worker, state: "expired" })).toBe(0);
    expect(await sample(a.registry, "snowflake_lease_expires_in_seconds", { worker })).toBe(25);
    expect(await sample(a.registry, "snowflake_lease_renewals_total", { result: "success" })).toBe(
      1,
    );
    expect(
      await sample(
        a.registry,
        "snowflake_lease_renewal_duration_seconds",
        {},
        "snowflake_lease_renewal_duration_seconds_count",
      ),
    ).toBe(1);
    const text = await a.registry.metrics();
    expect(text).toContain(`snowflake_lease_state{worker="${worker}",state="held"} 1`);
    expect(text).toContain('snowflake_lease_acquisitions_total{result="conflict"} 0');
  });

  it("health: an issue with no lease and with less than a third of the TTL left", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const a = instance(store(), clock);
    expect(a.leaser.healthCheck(NOW)).toMatchObject({ check: "lease" });
    await a.leaser.refresh();
    expect(a.leaser.healthCheck(NOW + (2 * TTL) / 3)).toBeNull();
    expect(a.leaser.healthCheck(NOW + (2 * TTL) / 3 + 1)?.detail).toMatch(
      /lease on worker ID \d+ expires in 9999 ms/,
    );
  });

  it("stop() while start() waits for a free worker ID ends the wait", async () => {
    const store = await storeFactory();
    const clock = new FakeClock(NOW);
    const holder = instance(store(), clock, { workerIdCount: 1 });
    await holder.leaser.refresh();
    const waiter = instance(store(), clock, { workerIdCount: 1 });
    const started = waiter.leaser.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await waiter.leaser.stop();
    await expect(started).rejects.toBeInstanceOf(LeaseExpiredError);
  });
});

/** Timers the test fires by hand: each `set` is recorded with its delay. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 0;
  set(callback: () => void, ms: number): unknown {
    this.next++;
    this.pending.set(this.next, { callback, ms });
    return this.next;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires the only pending timer; returns its delay. */
  async fire(): Promise<number> {
    expect(this.pending.size).toBe(1);
    const [handle, timer] = [...this.pending][0] as [number, { callback: () => void; ms: number }];
    this.pending.delete(handle);
    timer.callback();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return timer.ms;
  }
  get delays(): number[] {
    return [...this.pending.values()].map((t) => t.ms);
  }
}

describe("Node renewal timer", () => {
  it("is set for the moment the tenure's phase leaves fresh, and waits on if the clock went back", async () => {
    const clock = new FakeClock(NOW);
    const timers = new ManualTimers();
    const a = instance(new MemoryLeaseStore(), clock, { timers });
    await a.leaser.start();
    expect(a.leaser.tenure?.phase(NOW)).toBe("fresh");
    expect(timers.delays).toEqual([TTL / 3]);

    clock.advance(TTL / 3);
    expect(a.leaser.tenure?.phase(clock.now())).toBe("renew-in-background");
    await timers.fire();
    expect(a.leaser.current).toMatchObject({ version: 2, expiresAt: NOW + TTL / 3 + TTL });
    expect(timers.delays).toEqual([TTL / 3]);

    // The timer fires when this clock has moved 5 s less (it was set back): still fresh, no write.
    clock.advance(TTL / 3 - 5_000);
    await timers.fire();
    expect(a.leaser.current?.version).toBe(2);
    expect(timers.delays).toEqual([5_000]);

    // A jump past expiry: renewed at the next firing, and the next timer is a third of the TTL.
    clock.advance(2 * TTL);
    expect(a.leaser.tenure?.phase(clock.now())).toBe("lapsed");
    await timers.fire();
    expect(a.leaser.current).toMatchObject({ version: 3, expiresAt: clock.now() + TTL });
    expect(timers.delays).toEqual([TTL / 3]);
    await a.leaser.stop();
    expect(timers.delays).toEqual([]);
  });
});
