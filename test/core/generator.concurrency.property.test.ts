import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ClockBackwardError,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
  LeaseExpiredError,
  SnowflakeGenerator,
} from "../../src/core/index.ts";
import { BurstClock, ScheduledClock } from "../support/adversarial-clocks.ts";
import {
  call,
  callersArb,
  checkedIds,
  checkOutcome,
  countFor,
  LAYOUTS,
  newGenerator,
  START,
  TurningClock,
  WORKER,
} from "../support/concurrent-callers.ts";
import { FakeClock } from "../support/fake-clock.ts";

// Concurrent callers of one generator, under clocks whose sleeps resolve in adversarial orders:
// every ID must be the generator's own (its worker ID, an in-range sequence), unique, increasing per
// caller, and the counters must say exactly what happened (docs/ARCHITECTURE.md#the-generator).

describe("generator under concurrent async callers", () => {
  it("fast-check's scheduler orders every start and every sleep's resolution (1,000 schedules)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...LAYOUTS),
        callersArb,
        fc.scheduler(),
        async (layout, callers, scheduler) => {
          const clock = new ScheduledClock(scheduler, START);
          const gen = newGenerator(layout, clock);
          const counts = callers.map((caller) => countFor(caller, layout));
          const done = Promise.all(
            callers.map((caller, i) =>
              scheduler
                .schedule(Promise.resolve(), `start caller ${i}`)
                .then(() => call(gen, caller.kind, counts[i] as number)),
            ),
          );
          await scheduler.waitFor(done);
          checkOutcome(gen, layout, counts, await done);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a clock that resolves every due sleep in one turn", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LAYOUTS), callersArb, async (layout, callers) => {
        const clock = new BurstClock(START);
        const gen = newGenerator(layout, clock);
        const counts = callers.map((caller) => countFor(caller, layout));
        const done = Promise.all(
          callers.map((caller, i) => call(gen, caller.kind, counts[i] as number)),
        );
        await clock.drive(done);
        checkOutcome(gen, layout, counts, await done);
      }),
      { numRuns: 500 },
    );
  });

  it("a clock whose sleeps resolve at once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LAYOUTS), callersArb, async (layout, callers) => {
        const gen = newGenerator(layout, new FakeClock(START));
        const counts = callers.map((caller) => countFor(caller, layout));
        const results = await Promise.all(
          callers.map((caller, i) => call(gen, caller.kind, counts[i] as number)),
        );
        checkOutcome(gen, layout, counts, results);
      }),
      { numRuns: 500 },
    );
  });
});

// The fence for every API, the synchronous fast path included: after `assign` to the same worker
// ID (a raised floor: re-acquiring a worker ID someone else used meanwhile) or to another one, and
// with the clock stepping back, no ID lies below the floor, at or past the limit, or below an
// earlier ID of this generator.

type Api =
  | "next"
  | "nextBatch"
  | "tryNextBatch"
  | "nextAsync"
  | "nextBatchAsync"
  | "tryNextRuns"
  | "nextRunsAsync";
type FenceStep =
  | { kind: "jump"; ms: number }
  | { kind: "assign"; sameWorker: boolean; floorDeltaMs: number; limitDeltaMs: number }
  | { kind: "call"; api: Api; count: number };

const fenceStepArb: fc.Arbitrary<FenceStep> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("jump" as const),
      ms: fc.integer({ min: -30, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("assign" as const),
      sameWorker: fc.boolean(),
      floorDeltaMs: fc.integer({ min: -5, max: 20 }),
      limitDeltaMs: fc.integer({ min: 20, max: 400 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("call" as const),
      api: fc.constantFrom<Api>(
        "next",
        "nextBatch",
        "tryNextBatch",
        "nextAsync",
        "nextBatchAsync",
        "tryNextRuns",
        "nextRunsAsync",
      ),
      count: fc.integer({ min: 1, max: 40 }),
    }),
  },
);

async function callApi(gen: SnowflakeGenerator, api: Api, count: number): Promise<bigint[]> {
  switch (api) {
    case "next":
      return [gen.next()];
    case "nextBatch":
      return gen.nextBatch(count);
    case "tryNextBatch":
      return gen.tryNextBatch(count) ?? [];
    case "nextAsync":
      return [await gen.nextAsync()];
    case "nextBatchAsync":
      return gen.nextBatchAsync(count);
    case "tryNextRuns":
      return checkedIds(gen, gen.tryNextRuns(count) ?? []);
    case "nextRunsAsync":
      return checkedIds(gen, await gen.nextRunsAsync(count));
  }
}

describe("generator fence under reassignment", () => {
  it("every API stays inside [floor, limit) of its current assignment and strictly increasing", async () => {
    const layouts = ["custom:51/10/2/1", "custom:48/10/5/10", "classic"].map((name) =>
      createLayout(name, DEFAULT_EPOCH_MS, START),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...layouts),
        fc.array(fenceStepArb, { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        async (layout, steps, turning) => {
          // Every clock read moves time a little, so the synchronous API's spins progress; half
          // the runs have a clock with yieldTurn (Node's), whose turns move time too.
          const clock = turning ? new TurningClock(START, 0.2, true) : new FakeClock(START);
          clock.stepPerRead = 0.05;
          const gen = new SnowflakeGenerator({ layout, clock, maxClockBackwardMs: 10 });
          let worker = WORKER;
          let floorMs = START;
          let limitMs = START + 100;
          gen.assign(worker, { floorMs, limitMs });
          let previous = -1n;
          for (const step of steps) {
            if (step.kind === "jump") {
              clock.advance(step.ms);
            } else if (step.kind === "assign") {
              const nextWorker = step.sameWorker ? worker : worker === WORKER ? WORKER + 1 : WORKER;
              const stepFloorMs = clock.ms + step.floorDeltaMs;
              // A floor only rises for the same worker ID; a new worker ID starts at its own floor.
              floorMs = nextWorker === worker ? Math.max(floorMs, stepFloorMs) : stepFloorMs;
              limitMs = clock.ms + step.limitDeltaMs;
              worker = nextWorker;
              gen.assign(worker, { floorMs: stepFloorMs, limitMs });
            } else {
              let ids: bigint[] = [];
              try {
                ids = await callApi(gen, step.api, step.count);
              } catch (error) {
                if (!(error instanceof ClockBackwardError || error instanceof LeaseExpiredError)) {
                  throw error;
                }
              }
              for (const id of ids) {
                const decoded = decodeId(id, layout);
                expect(decoded.workerId).toBe(worker);
                expect(decoded.timestamp).toBeGreaterThanOrEqual(floorMs);
                expect(decoded.timestamp).toBeLessThan(limitMs);
                expect(decoded.timestamp).toBeLessThanOrEqual(clock.ms);
                expect(id).toBeGreaterThan(previous);
                previous = id;
              }
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
