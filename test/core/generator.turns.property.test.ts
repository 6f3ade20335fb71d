import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ClockStalledError,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
} from "../../src/core/index.ts";
import {
  call,
  callersArb,
  checkOutcome,
  countFor,
  LAYOUTS,
  newGenerator,
  START,
  TurningClock,
  WORKER,
} from "../support/concurrent-callers.ts";

// Concurrent callers under clocks with `yieldTurn` (Node's): sub-ms waits take event-loop turns,
// every round of them bounded, and the outcome is the same as with sleeps
// (docs/ARCHITECTURE.md#the-generator).

describe("generator under concurrent async callers, with Clock.yieldTurn", () => {
  it("a clock with yieldTurn whose wall time stands still: turns are bounded, then it sleeps", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LAYOUTS), callersArb, async (layout, callers) => {
        const clock = new TurningClock(START, 0.3, false);
        const gen = newGenerator(layout, clock);
        const counts = callers.map((caller) => countFor(caller, layout));
        const results = await Promise.all(
          callers.map((caller, i) => call(gen, caller.kind, counts[i] as number)),
        );
        checkOutcome(gen, layout, counts, results);
        if (gen.stats.sequenceOverflow > 0) {
          // 1 ms ticks wait by turns first; 10 ms ticks are too far away and sleep at once.
          if (layout.unitMs === 1) expect(clock.turns).toBeGreaterThan(0);
          expect(clock.sleeps.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a clock with yieldTurn whose turns move time: sub-tick waits take turns before any timer", async () => {
    const layout = createLayout("custom:51/10/2/1", DEFAULT_EPOCH_MS, START);
    await fc.assert(
      fc.asyncProperty(
        callersArb,
        fc.double({ min: 0.05, max: 0.6, noNaN: true }),
        async (callers, turnMs) => {
          const clock = new TurningClock(START, turnMs, true);
          const gen = newGenerator(layout, clock);
          const counts = callers.map((caller) => countFor(caller, layout));
          const results = await Promise.all(
            callers.map((caller, i) => call(gen, caller.kind, counts[i] as number)),
          );
          const all = results.flat();
          expect(new Set(all).size).toBe(all.length);
          results.forEach((ids, caller) => {
            expect(ids).toHaveLength(counts[caller] as number);
            for (let i = 1; i < ids.length; i++)
              expect(ids[i]).toBeGreaterThan(ids[i - 1] as bigint);
            for (const id of ids) expect(decodeId(id, layout).workerId).toBe(WORKER);
          });
          expect(gen.stats.generated).toBe(all.length);
          // 1 ms ticks: every wait is at most 1 ms away, so it takes turns first; a caller that
          // keeps losing the next tick to others sleeps once its turn budget is spent.
          if (gen.stats.sequenceOverflow > 0) expect(clock.turns).toBeGreaterThan(0);
          for (const ms of clock.sleeps) expect(ms).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("one caller with yieldTurn crosses ticks without a timer", async () => {
    const layout = createLayout("custom:51/10/2/1", DEFAULT_EPOCH_MS, START);
    const clock = new TurningClock(START, 0.1, true);
    const gen = newGenerator(layout, clock);
    const runs = await gen.nextRunsAsync(20);
    expect(runs.map((run) => run.count)).toEqual([4, 4, 4, 4, 4]);
    expect(clock.sleeps).toEqual([]);
    expect(clock.turns).toBeGreaterThanOrEqual(4 * 9);
    expect(gen.stats.sequenceOverflow).toBe(4);
  });

  it("a frozen clock with yieldTurn ends in ClockStalledError, not in endless turns", async () => {
    const layout = createLayout("custom:51/10/2/1", DEFAULT_EPOCH_MS, START);
    const clock = new TurningClock(START, 0, false);
    clock.sleep = (ms) => {
      clock.sleeps.push(ms); // and time stays where it is
      return Promise.resolve();
    };
    const gen = newGenerator(layout, clock);
    await expect(gen.nextRunsAsync(5)).rejects.toBeInstanceOf(ClockStalledError);
    expect(clock.turns).toBeGreaterThan(0);
    expect(clock.sleeps.length).toBeGreaterThan(0);
  });
});
