// ensure(): the Workers/Lambda path. Lazy acquire, renewal on the request path, re-check after a freeze.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeId } from "../../src/core/decode.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { LeaseStoreUnavailableError, NoFreeWorkerIdError } from "../../src/lease/errors.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { FaultyHandler } from "./support/dynalite.ts";
import { CLASSIC, codeOf, instance, NOW, TTL } from "./support/instances.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

let db: TestDynamo;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(async () => {
  await db.stop();
});

async function setup(workerIdCount?: number) {
  const table = await db.table();
  const handler = new FaultyHandler();
  const store = () =>
    new DynamoDbLeaseStore({ client: db.client(handler), table, namespace: "ns" });
  const clock = new FakeClock(NOW);
  const tasks: Promise<unknown>[] = [];
  const background = (task: Promise<unknown>) => {
    tasks.push(task);
  };
  const a = instance(store(), clock, { workerIdCount, random: () => 0 });
  return { store, clock, handler, tasks, background, a };
}

describe("Leaser.ensure", () => {
  it("acquires on first use, then costs nothing while more than two thirds of the TTL is left", async () => {
    const { handler, background, tasks, clock, a } = await setup();
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    await a.leaser.ensure(background);
    expect(handler.requests).toEqual(["DescribeTable", "UpdateItem", "UpdateItem"]);
    a.generator.next();
    clock.advance(TTL / 3 - 1);
    await a.leaser.ensure(background);
    expect(handler.requests.length).toBe(3);
    expect(tasks.length).toBe(0);
  });

  it("renews in the background once a third of the TTL has passed, one renewal at a time", async () => {
    const { handler, background, tasks, clock, a } = await setup();
    await a.leaser.ensure(background);
    clock.advance(TTL / 3 + 1);
    await a.leaser.ensure(background);
    await a.leaser.ensure(background); // joins the renewal in flight instead of starting another
    expect(tasks.length).toBe(1);
    a.generator.next(); // the request is not held up by the renewal
    await Promise.all(tasks);
    expect(handler.requests).toEqual(["DescribeTable", "UpdateItem", "UpdateItem", "UpdateItem"]);
    expect(a.leaser.current?.expiresAt).toBe(NOW + TTL / 3 + 1 + TTL);
  });

  it("renews inline after a freeze past expiry, and when the lease is nearly over", async () => {
    const { background, tasks, clock, a } = await setup();
    await a.leaser.ensure(background);
    const before = a.generator.next();
    clock.advance(TTL + 60_000); // a Lambda environment frozen for a minute
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    await a.leaser.ensure(background);
    expect(tasks.length).toBe(0);
    expect(a.generator.next()).toBeGreaterThan(before);

    clock.advance(TTL - 500); // less than ttl/10 left
    await a.leaser.ensure(background);
    expect(tasks.length).toBe(0);
    expect(a.leaser.current?.expiresAt).toBe(clock.now() + TTL);
  });

  it("re-acquires another worker ID when the lease was taken over during a freeze", async () => {
    const { store, background, clock, a } = await setup(2);
    await a.leaser.ensure(background);
    expect(a.generator.workerId).toBe(0);
    const old = a.generator.next();
    clock.advance(TTL);
    const b = instance(store(), clock, { workerIdCount: 2, random: () => 0 });
    await b.leaser.ensure(background);
    expect(b.generator.workerId).toBe(0);

    await a.leaser.ensure(background);
    expect(a.generator.workerId).toBe(1);
    const fresh = a.generator.next();
    expect(decodeId(fresh, CLASSIC).workerId).toBe(1);
    expect(fresh).toBeGreaterThan(old);
  });

  it("with no free worker ID, throws NoFreeWorkerId and does not hit the store again for a while", async () => {
    const { store, handler, background, clock, a } = await setup(1);
    await a.leaser.ensure(background);
    const b = instance(store(), clock, { workerIdCount: 1 });
    const error = await b.leaser.ensure(background).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoFreeWorkerIdError);
    const requests = handler.requests.length;
    await expect(b.leaser.ensure(background)).rejects.toBe(error);
    expect(handler.requests.length).toBe(requests);
    clock.advance(1_000);
    await expect(b.leaser.ensure(background)).rejects.toBeInstanceOf(NoFreeWorkerIdError);
    expect(handler.requests.length).toBeGreaterThan(requests);
  });

  it("with the store down: issues while the lease lasts, then fails with LeaseStoreUnavailable", async () => {
    const own = await startTestStore({ restartable: true });
    const table = await own.table();
    const clock = new FakeClock(NOW);
    const a = instance(
      new DynamoDbLeaseStore({ client: own.client(), table, namespace: "ns" }),
      clock,
    );
    const tasks: Promise<unknown>[] = [];
    const background = (task: Promise<unknown>) => {
      tasks.push(task);
    };
    await a.leaser.ensure(background);
    await own.stop();
    clock.advance(TTL - 100); // nearly over: inline renewal fails, but the lease still covers now
    await a.leaser.ensure(background);
    a.generator.next();
    clock.advance(100);
    const error = await a.leaser.ensure(background).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseStoreUnavailableError);
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    await own.start();
    await a.leaser.ensure(background);
    a.generator.next();
    await own.dispose();
  });
});
