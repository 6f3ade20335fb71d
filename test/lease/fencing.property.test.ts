// The fencing rule as a property: instances with skewed, jumping clocks that pause, crash, restart
// and fight over few worker IDs never issue the same ID twice.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/memory-store.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { CLASSIC, type Instance, instance, NOW } from "./support/instances.ts";

const TTL = 1_000;
// 100 ms ticks: a lease end falls inside a tick, so the floor's rounding matters too.
const COARSE = createLayout("custom:44/4/15/100", DEFAULT_EPOCH_MS, NOW);

type Op =
  | { kind: "advance"; who: number; ms: number }
  | { kind: "issue"; who: number; count: number }
  | { kind: "refresh"; who: number }
  | { kind: "stop"; who: number }
  | { kind: "crash"; who: number };

const who = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("advance" as const),
    who,
    // Small steps, steps back (within and far beyond the tolerance) and long pauses.
    ms: fc.oneof(
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: -30, max: 3 * TTL }),
      fc.integer({ min: -2 * TTL, max: 0 }),
    ),
  }),
  fc.record({
    kind: fc.constant("issue" as const),
    who,
    count: fc.integer({ min: 1, max: 5_000 }),
  }),
  fc.record({ kind: fc.constant("refresh" as const), who }),
  fc.record({ kind: fc.constant("stop" as const), who }),
  fc.record({ kind: fc.constant("crash" as const), who }),
);

describe("fencing property (memory store)", () => {
  it("no ID is ever issued twice across holders of the same worker IDs", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -2_000, max: 2_000 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom(CLASSIC, COARSE),
        fc.array(op, { minLength: 1, maxLength: 60 }),
        async (skews, workerIdCount, layout, ops) => {
          const table = new MemoryLeaseTable();
          const clocks = skews.map((skew) => new FakeClock(NOW + skew));
          const make = (i: number): Instance =>
            instance(new MemoryLeaseStore("ns", table), clocks[i] as FakeClock, {
              ttlMs: TTL,
              workerIdCount,
              layout,
            });
          const instances = clocks.map((_, i) => make(i));
          const seen = new Set<bigint>();
          let issued = 0;
          for (const step of ops) {
            const clock = clocks[step.who] as FakeClock;
            const current = instances[step.who] as Instance;
            switch (step.kind) {
              case "advance":
                clock.advance(step.ms);
                break;
              case "issue":
                try {
                  for (const id of await current.generator.nextBatchAsync(step.count)) {
                    expect(seen.has(id)).toBe(false);
                    seen.add(id);
                    issued++;
                  }
                } catch (error) {
                  expect((error as { code?: string }).code).toMatch(
                    /^(LEASE_EXPIRED|CLOCK_BACKWARD)$/,
                  );
                }
                break;
              case "refresh":
                await current.leaser.refresh().catch(() => {});
                break;
              case "stop": // graceful restart: release, then a new process on the same clock
                await current.leaser.stop();
                instances[step.who] = make(step.who);
                break;
              case "crash": // the process dies holding its lease
                instances[step.who] = make(step.who);
                break;
            }
          }
          expect(seen.size).toBe(issued);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("handover property (memory store)", () => {
  it("the next holder's IDs are above every ID of the previous one (expiry, shortened renewals, release)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(CLASSIC, COARSE),
        fc.integer({ min: -2_000, max: 2_000 }), // A's clock minus B's
        // When A issues, relative to its acquisition: often right before the lease ends.
        fc.array(
          fc.oneof(fc.integer({ min: 0, max: TTL + 20 }), fc.integer({ min: TTL - 150, max: TTL })),
          { minLength: 1, maxLength: 8 },
        ),
        // A renews after its clock stepped back this far (0: no renewal).
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 * TTL })),
        fc.boolean(), // A releases at the end
        fc.integer({ min: 0, max: 60 }), // B acquires this long after the item's expiresAt
        fc.integer({ min: 0, max: 30 }), // then B's clock steps back this far
        async (layout, skew, offsets, stepBack, release, late, bStepBack) => {
          const table = new MemoryLeaseTable();
          const acquiredAt = NOW + skew;
          const clockA = new FakeClock(acquiredAt);
          const clockB = new FakeClock(NOW);
          const options = { ttlMs: TTL, workerIdCount: 1, layout };
          const a = instance(new MemoryLeaseStore("ns", table), clockA, options);
          const b = instance(new MemoryLeaseStore("ns", table), clockB, options);
          await a.leaser.refresh();
          const issuedA: bigint[] = [];
          const issue = async (at: number) => {
            clockA.set(at);
            issuedA.push(...(await a.generator.nextBatchAsync(3).catch(() => [])));
          };
          const sorted = [...offsets].sort((x, y) => x - y);
          const half = Math.ceil(sorted.length / 2);
          for (const offset of sorted.slice(0, half)) await issue(acquiredAt + offset);
          if (stepBack > 0) {
            clockA.set(clockA.ms - stepBack);
            await a.leaser.refresh();
          }
          for (const offset of sorted.slice(half)) await issue(acquiredAt + offset);
          if (release) await a.leaser.stop();

          const item = await b.leaser.store.get(0);
          // (A released lease that never issued anything ends at 0: B's clock stays near now.)
          clockB.set(Math.max(item?.expiresAt ?? 0, NOW - 2_000) + late);
          await b.leaser.refresh();
          expect(b.generator.workerId).toBe(0);
          clockB.set(clockB.ms - bStepBack);
          const issuedB: bigint[] = await b.generator.nextBatchAsync(3).catch(() => []);
          clockB.set(clockB.ms + 500);
          issuedB.push(...(await b.generator.nextBatchAsync(3)));
          for (const idB of issuedB) {
            for (const idA of issuedA) expect(idB).toBeGreaterThan(idA);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
