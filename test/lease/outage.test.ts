// The Node path (start + renewal timer) through a store outage and throttling, on real timers.
import { afterEach, describe, expect, it } from "vitest";
import { LeaseExpiredError } from "../../src/core/errors.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { systemClock } from "../../src/system-clock.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { FaultyHandler } from "./support/dynalite.ts";
import { codeOf, type Instance, instance, NOW, sample, TTL } from "./support/instances.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function setup(ttlMs: number, handler?: FaultyHandler, clock = systemClock) {
  const db: TestDynamo = await startTestStore({ restartable: true });
  const table = await db.table();
  const store = new DynamoDbLeaseStore({ client: db.client(handler), table, namespace: "ns" });
  const a = instance(store, clock, { ttlMs });
  stops.push(
    () => a.leaser.stop(),
    () => db.dispose(),
  );
  return { db, a };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const canIssue = (a: Instance) => codeOf(() => a.generator.next()) === undefined;

describe("store outage", () => {
  it("fake clock: IDs flow until expiresAt, health turns first, then the generator fails closed; recovery needs no restart", async () => {
    const clock = new FakeClock(NOW);
    const { db, a } = await setup(TTL, undefined, clock);
    await a.leaser.refresh();
    await db.stop();
    clock.advance(TTL / 3);
    await expect(a.leaser.refresh()).rejects.toMatchObject({
      code: "LEASE_STORE_UNAVAILABLE",
      retryable: true,
    });
    expect(await sample(a.registry, "snowflake_lease_renewals_total", { result: "error" })).toBe(1);
    expect(a.leaser.healthCheck(clock.now())).toBeNull();
    expect(canIssue(a)).toBe(true);

    clock.set(NOW + (2 * TTL) / 3 + 1);
    expect(a.leaser.healthCheck(clock.now())?.detail).toMatch(
      /expires in 9999 ms; last store operation failed: lease store unavailable/,
    );
    expect(canIssue(a)).toBe(true);
    clock.set(NOW + TTL - 1);
    expect(canIssue(a)).toBe(true);
    clock.set(NOW + TTL);
    expect(codeOf(() => a.generator.next())).toBe("LEASE_EXPIRED");
    expect(a.leaser.state).toBe("expired");

    await db.start();
    await a.leaser.refresh();
    expect(a.leaser.state).toBe("held");
    expect(a.leaser.healthCheck(clock.now())).toBeNull();
    expect(canIssue(a)).toBe(true);
  });

  it("real timers: the renewal loop retries through the outage and recovers by itself", async () => {
    const ttlMs = 900;
    const { db, a } = await setup(ttlMs);
    await a.leaser.start();
    const workerId = a.generator.workerId;
    await db.stop();
    const stoppedAt = Date.now();
    await until("health to report the lease", () => a.leaser.healthCheck(Date.now()) !== null);
    expect(canIssue(a)).toBe(true); // health turns before the generator stops
    await until("the generator to fail closed", () => !canIssue(a));
    expect(Date.now() - stoppedAt).toBeLessThan(ttlMs + 300); // at expiresAt, plus polling slack
    expect(() => a.generator.next()).toThrow(LeaseExpiredError);
    const errors = await sample(a.registry, "snowflake_lease_renewals_total", { result: "error" });
    expect(errors).toBeGreaterThanOrEqual(2); // retried with backoff, not given up

    await db.start();
    await until("recovery", () => canIssue(a));
    expect(a.generator.workerId).toBe(workerId);
    expect(a.leaser.healthCheck(Date.now())).toBeNull();
  });
});

describe("throttling", () => {
  it("ProvisionedThroughputExceeded on acquire and renewals is retried with backoff", async () => {
    const handler = new FaultyHandler();
    handler.throttleNext = 3; // bind, then acquire, throttled
    const { a } = await setup(600, handler);
    await a.leaser.start();
    expect(handler.throttled).toBe(3);
    expect(a.leaser.state).toBe("held");

    const renewed = a.leaser.current?.version ?? 0;
    handler.throttleNext = 2;
    await until(
      "a renewal through the throttling",
      () => (a.leaser.current?.version ?? 0) > renewed,
    );
    expect(handler.throttled).toBe(5);
    expect(await sample(a.registry, "snowflake_lease_renewals_total", { result: "error" })).toBe(2);
    expect(await sample(a.registry, "snowflake_lease_renewals_total", { result: "success" })).toBe(
      1,
    );
    expect(canIssue(a)).toBe(true);
  });
});
