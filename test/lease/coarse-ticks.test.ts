// Coarse ticks and the lease TTL: a holder that takes over mid-tick waits for the next tick (its
// floor, the previous expiry, rounds up). With a TTL of one tick or more that tick lies inside its
// lease; below one tick a whole lease can fall inside one tick, which parseConfig rejects.
import { describe, expect, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/memory-store.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { codeOf, instance, NOW } from "./support/instances.ts";

const MINUTE = createLayout("custom:35/6/22/60000", DEFAULT_EPOCH_MS, NOW);
const tickStart = (tick: number) => MINUTE.epochMs + tick * MINUTE.unitMs;
const FIRST = Math.ceil((NOW - MINUTE.epochMs) / MINUTE.unitMs);

/** A holds the only worker ID from 10 s into a tick and dies; B takes over at A's expiry. */
async function takeover(ttlMs: number) {
  const table = new MemoryLeaseTable();
  const options = { ttlMs, layout: MINUTE, workerIdCount: 1 };
  const clockA = new FakeClock(tickStart(FIRST) + 10_000);
  const a = instance(new MemoryLeaseStore("ns", table), clockA, options);
  await a.leaser.start();
  const last = a.generator.next();
  const clockB = new FakeClock(clockA.ms + ttlMs);
  const b = instance(new MemoryLeaseStore("ns", table), clockB, options);
  await b.leaser.start();
  return { last, b, clockB, expiresAt: clockB.ms + ttlMs };
}

describe("lease TTL and tick size", () => {
  it("a TTL of one tick: the takeover waits for the next tick, which lies inside its lease", async () => {
    const { last, b, clockB, expiresAt } = await takeover(MINUTE.unitMs);
    expect(codeOf(() => b.generator.next())).toBe("CLOCK_BACKWARD"); // mid-tick, below the floor
    clockB.set(tickStart(FIRST + 2));
    expect(clockB.ms).toBeLessThan(expiresAt);
    expect(b.generator.next()).toBeGreaterThan(last);
  });

  it("a TTL below one tick: the whole lease falls inside one tick and issues nothing", async () => {
    const { b, clockB, expiresAt } = await takeover(20_000);
    expect(codeOf(() => b.generator.next())).toBe("CLOCK_BACKWARD");
    clockB.set(expiresAt - 1);
    expect(codeOf(() => b.generator.next())).toBe("CLOCK_BACKWARD");
    expect(tickStart(FIRST + 1)).toBeGreaterThan(expiresAt - 20_000); // no tick starts in it
    clockB.set(tickStart(FIRST + 2));
    expect(codeOf(() => b.generator.next())).toBe("LEASE_EXPIRED");
  });
});
