import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import {
  LeaseLostError,
  LeaseStoreUnavailableError,
  NamespaceMismatchError,
} from "../../src/lease/errors.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/memory-store.ts";
import type { LeaseStore } from "../../src/lease/store.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

const NOW = Date.UTC(2026, 0, 1);
const INFO = { host: "test-host", runtime: "test" };
const CLASSIC = { layout: "classic", epochMs: Date.UTC(2025, 0, 1) };

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(async () => {
  await db.stop();
});

/** Two stores on one table (two instances), plus a third in another namespace. */
type Factory = () => Promise<{ a: LeaseStore; b: LeaseStore; other: LeaseStore }>;

const factories: [string, Factory][] = [
  [
    "MemoryLeaseStore",
    async () => {
      const table = new MemoryLeaseTable();
      return {
        a: new MemoryLeaseStore("ns", table),
        b: new MemoryLeaseStore("ns", table),
        other: new MemoryLeaseStore("other", table),
      };
    },
  ],
  [
    "DynamoDbLeaseStore (dynalite)",
    async () => {
      const table = await db.table();
      const make = (namespace: string) =>
        new DynamoDbLeaseStore({ client: db.client(), table, namespace });
      return { a: make("ns"), b: make("ns"), other: make("other") };
    },
  ],
];

describe.each(factories)("%s", (_name, factory) => {
  it("binds a namespace to one layout and epoch; another binding is refused with a clear error", async () => {
    const { a, b, other } = await factory();
    await a.bind(CLASSIC, NOW);
    await b.bind(CLASSIC, NOW + 1);
    const mismatch = b.bind({ layout: "sonyflake", epochMs: CLASSIC.epochMs }, NOW);
    await expect(mismatch).rejects.toBeInstanceOf(NamespaceMismatchError);
    await expect(mismatch).rejects.toThrow(/bound to layout classic with epoch 2025-01-01/);
    await expect(
      b.bind({ layout: "classic", epochMs: CLASSIC.epochMs + 1 }, NOW),
    ).rejects.toMatchObject({ code: "NAMESPACE_MISMATCH" });
    // Namespaces are independent.
    await other.bind({ layout: "sonyflake", epochMs: 0 }, NOW);
  });

  it("acquires a free worker ID, refuses a live lease, takes over an expired one with its expiresAt", async () => {
    const { a, b } = await factory();
    const first = await a.tryAcquire({
      workerId: 5,
      owner: "A",
      nowMs: NOW,
      expiresAt: NOW + 1000,
      info: INFO,
    });
    expect(first).toEqual({
      lease: { workerId: 5, owner: "A", expiresAt: NOW + 1000, version: 1 },
      previousExpiresAt: undefined,
    });
    const early = { workerId: 5, owner: "B", nowMs: NOW + 999, expiresAt: NOW + 1999, info: INFO };
    expect(await b.tryAcquire(early)).toBeUndefined();
    const takeover = await b.tryAcquire({ ...early, nowMs: NOW + 1000, expiresAt: NOW + 2000 });
    expect(takeover).toEqual({
      lease: { workerId: 5, owner: "B", expiresAt: NOW + 2000, version: 2 },
      previousExpiresAt: NOW + 1000,
    });
    expect(await a.get(5)).toMatchObject({
      workerId: 5,
      owner: "B",
      expiresAt: NOW + 2000,
      version: 2,
      host: "test-host",
      runtime: "test",
      acquiredAt: NOW + 1000,
    });
  });

  it("renews only with owner and version unchanged; a taken-over lease throws LeaseLostError", async () => {
    const { a, b } = await factory();
    const acquired = await a.tryAcquire({
      workerId: 1,
      owner: "A",
      nowMs: NOW,
      expiresAt: NOW + 1000,
      info: INFO,
    });
    const lease = acquired?.lease;
    if (!lease) throw new Error("not acquired");
    const renewed = await a.renew(lease, NOW + 1300, NOW + 300);
    expect(renewed).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1300, version: 2 });
    // Lost answer: the write of version 2 landed but A still holds version 1. Same owner, so adopt.
    const again = await a.renew(lease, NOW + 1600, NOW + 600);
    expect(again).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1600, version: 3 });

    await b.tryAcquire({
      workerId: 1,
      owner: "B",
      nowMs: NOW + 1600,
      expiresAt: NOW + 2600,
      info: INFO,
    });
    await expect(a.renew(again, NOW + 2000, NOW + 1700)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(a.release(again, NOW + 1700, NOW + 1700)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await a.get(1)).toMatchObject({ owner: "B", expiresAt: NOW + 2600 });
  });

  it("release lowers expiresAt so the next holder starts at once with that floor", async () => {
    const { a, b } = await factory();
    const acquired = await a.tryAcquire({
      workerId: 3,
      owner: "A",
      nowMs: NOW,
      expiresAt: NOW + 30_000,
      info: INFO,
    });
    if (!acquired) throw new Error("not acquired");
    await a.release(acquired.lease, NOW + 501, NOW + 500);
    const next = await b.tryAcquire({
      workerId: 3,
      owner: "B",
      nowMs: NOW + 501,
      expiresAt: NOW + 30_501,
      info: INFO,
    });
    expect(next?.previousExpiresAt).toBe(NOW + 501);
  });

  it("lists a namespace's leases in worker-ID order, without the binding item", async () => {
    const { a, other } = await factory();
    await a.bind(CLASSIC, NOW);
    for (const workerId of [9, 0, 1023, 42]) {
      await a.tryAcquire({
        workerId,
        owner: `o${workerId}`,
        nowMs: NOW,
        expiresAt: NOW + 10,
        info: INFO,
      });
    }
    await other.tryAcquire({
      workerId: 7,
      owner: "x",
      nowMs: NOW,
      expiresAt: NOW + 10,
      info: INFO,
    });
    const listed = await a.list();
    expect(listed.map((r) => r.workerId)).toEqual([0, 9, 42, 1023]);
    expect(listed[0]).toMatchObject({ owner: "o0", expiresAt: NOW + 10, version: 1 });
    expect(await a.get(8)).toBeUndefined();
  });
});

describe("DynamoDbLeaseStore errors", () => {
  it("a missing table is a non-retryable LeaseStoreUnavailableError naming table:create", async () => {
    const store = new DynamoDbLeaseStore({ client: db.client(), table: "nope", namespace: "ns" });
    const error = await store.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseStoreUnavailableError);
    expect(error).toMatchObject({ code: "LEASE_STORE_UNAVAILABLE", retryable: false });
    expect((error as Error).message).toMatch(/table "nope" does not exist.*table:create/);
  });

  it("an unreachable endpoint is a retryable LeaseStoreUnavailableError", async () => {
    const down = await startTestStore();
    const table = await down.table();
    await down.stop();
    const store = new DynamoDbLeaseStore({ client: down.client(), table, namespace: "ns" });
    const error = await store.get(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LEASE_STORE_UNAVAILABLE", retryable: true });
  });
});
