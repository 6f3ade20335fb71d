// The tenure owns every TTL fraction the leaser acts on: its phase boundaries, exactly, both sides.
import { describe, expect, it } from "vitest";
import { shortPeriodMs, Tenure } from "../../src/lease/tenure.ts";
import { FakeClock } from "../support/fake-clock.ts";

const NOW = Date.UTC(2026, 0, 1);

function tenureOf(ttlMs: number, expiresAt = NOW + ttlMs, previousExpiresAt?: number): Tenure {
  const lease = { workerId: 7, owner: "me", expiresAt, version: 1 };
  return Tenure.acquired({ lease, previousExpiresAt }, NOW, ttlMs);
}

describe("Tenure.phase", () => {
  it.each([
    // [ttl, ms after acquiring, phase]: 30 s TTL, renewal due at 10 s, inline from 29 s, lapsed at 30 s
    [30_000, 0, "fresh"],
    [30_000, 9_999, "fresh"],
    [30_000, 10_000, "renew-in-background"],
    [30_000, 28_999, "renew-in-background"],
    [30_000, 29_000, "renew-inline"],
    [30_000, 29_999, "renew-inline"],
    [30_000, 30_000, "lapsed"],
    [30_000, 90_000, "lapsed"],
    // 3 s TTL: the inline margin is TTL/10 (300 ms), not 1 s
    [3_000, 999, "fresh"],
    [3_000, 1_000, "renew-in-background"],
    [3_000, 2_699, "renew-in-background"],
    [3_000, 2_700, "renew-inline"],
    [3_000, 2_999, "renew-inline"],
    [3_000, 3_000, "lapsed"],
  ] as const)("ttl %i, %i ms in: %s", (ttlMs, elapsedMs, phase) => {
    const clock = new FakeClock(NOW);
    const tenure = tenureOf(ttlMs);
    clock.advance(elapsedMs);
    expect(tenure.phase(clock.now())).toBe(phase);
  });

  it("reads the lease left, not the time held: a renewal that could not extend keeps its phase", () => {
    // After the clock went back 20 s, renewals keep the stored expiresAt (they never shorten it).
    const tenure = tenureOf(30_000, NOW + 50_000);
    expect(tenure.phase(NOW + 20_000)).toBe("fresh");
    expect(tenure.phase(NOW + 30_000)).toBe("renew-in-background");
    expect(tenure.renewalDueAt).toBe(NOW + 30_000);
  });

  it("the short period is min(TTL/10, 1 s)", () => {
    expect(shortPeriodMs(3_000)).toBe(300);
    expect(shortPeriodMs(10_000)).toBe(1_000);
    expect(shortPeriodMs(60_000)).toBe(1_000);
  });
});

describe("Tenure.overdue (/health)", () => {
  it.each([
    [30_000, 19_999, false], // 10 001 ms left: a third is 10 000
    [30_000, 20_000, false], // exactly a third left: still healthy
    [30_000, 20_001, true],
    [30_000, 29_500, true], // inline
    [30_000, 31_000, true], // lapsed
    [3_000, 2_000, false],
    [3_000, 2_001, true],
  ] as const)("ttl %i, %i ms in: %s", (ttlMs, elapsedMs, overdue) => {
    expect(tenureOf(ttlMs).overdue(NOW + elapsedMs)).toBe(overdue);
  });

  it("is false while fresh and true once inline or lapsed, for every TTL the leaser accepts", () => {
    for (const ttlMs of [3, 4, 7, 10, 999, 1_000, 30_000, 3_600_000]) {
      const tenure = tenureOf(ttlMs);
      for (let at = NOW - 1; at <= NOW + ttlMs + 1; at += Math.max(1, Math.floor(ttlMs / 500))) {
        const phase = tenure.phase(at);
        if (phase === "fresh") expect(tenure.overdue(at)).toBe(false);
        if (phase === "renew-inline" || phase === "lapsed") expect(tenure.overdue(at)).toBe(true);
      }
    }
  });
});

describe("Tenure as a value", () => {
  it("carries floor, acquiredAt and TTL through renewals, and is frozen", () => {
    const tenure = tenureOf(30_000, NOW + 30_000, NOW - 5);
    expect(tenure).toMatchObject({ floorMs: NOW - 5, acquiredAt: NOW, ttlMs: 30_000, workerId: 7 });
    const renewed = tenure.renewed({
      workerId: 7,
      owner: "me",
      expiresAt: NOW + 40_000,
      version: 2,
    });
    expect(renewed).not.toBe(tenure);
    expect(renewed).toMatchObject({ floorMs: NOW - 5, acquiredAt: NOW, expiresAt: NOW + 40_000 });
    expect(tenure.expiresAt).toBe(NOW + 30_000);
    expect(Object.isFrozen(renewed)).toBe(true);
    expect(Object.isFrozen(renewed.lease)).toBe(true);
  });

  it("a never-used worker ID has floor 0", () => {
    expect(tenureOf(30_000).floorMs).toBe(0);
  });
});
