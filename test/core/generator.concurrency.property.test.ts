import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.ts";
import {
  ClockBackwardError,
  ClockStalledError,
  composeId,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
  type IdRun,
  idsOfRuns,
  type Layout,
  LeaseExpiredError,
  SnowflakeGenerator,
} from "../../src/core/index.ts";
import { BurstClock, ScheduledClock } from "../support/adversarial-clocks.ts";
import { FakeClock } from "../support/fake-clock.ts";

// Concurrent callers of one generator, under clocks whose sleeps resolve in adversarial orders:
// every ID must be the generator's own (its worker ID, an in-range sequence), unique, increasing per
// caller, and the counters must say exactly what happened (docs/ARCHITECTURE.md#the-generator).

const START = Date.UTC(2026, 0, 1);
const WORKER = 7;
// Few sequence numbers per tick, so callers contend for ticks and overflow all the time.
const LAYOUTS = ["custom:51/10/2/1", "custom:50/10/3/1", "custom:48/10/5/10"].map((name) =>
  createLayout(name, DEFAULT_EPOCH_MS, START),
);

type CallerKind = "batch" | "one" | "try" | "runs" | "tryRuns";
interface Caller {
  kind: CallerKind;
  /** In units of the layout's IDs per tick: 0.05 to 3.5 ticks' worth. */
  ticksWorth: number;
}

const callersArb = fc.array(
  fc.record({
    kind: fc.constantFrom<CallerKind>("batch", "one", "try", "runs", "tryRuns"),
    ticksWorth: fc.double({ min: 0.05, max: 3.5, noNaN: true }),
  }),
  { minLength: 2, maxLength: 20 },
);

function countFor(caller: Caller, layout: Layout): number {
  if (caller.kind === "one") return 1;
  return Math.max(1, Math.round(caller.ticksWorth * (layout.maxSequence + 1)));
}

/** One caller the way the HTTP layer calls the generator. */
async function call(gen: SnowflakeGenerator, kind: CallerKind, count: number): Promise<bigint[]> {
  if (kind === "one") return [await gen.nextAsync()];
  if (kind === "try") return gen.tryNextBatch(count) ?? (await gen.nextBatchAsync(count));
  if (kind === "runs") return checkedIds(gen, await gen.nextRunsAsync(count));
  if (kind === "tryRuns") {
    return checkedIds(gen, gen.tryNextRuns(count) ?? (await gen.nextRunsAsync(count)));
  }
  return gen.nextBatchAsync(count);
}

/** The IDs of `runs`, after checking each run says what its IDs are (tick, worker, sequence). */
function checkedIds(gen: SnowflakeGenerator, runs: IdRun[]): bigint[] {
  const { layout } = gen;
  for (const run of runs) {
    expect(run.count).toBeGreaterThan(0);
    expect(run.firstSeq + run.count - 1).toBeLessThanOrEqual(layout.maxSequence);
    const ms = layout.epochMs + run.tick * layout.unitMs;
    expect(composeId(layout, ms, run.workerId, run.firstSeq)).toBe(run.first);
  }
  return idsOfRuns(runs);
}

/** A clock with `yieldTurn` (like Node's): a turn takes `turnMs` of monotonic time only. */
class TurningClock extends FakeClock {
  turns = 0;
  private readonly turnMs: number;
  private readonly wallToo: boolean;
  constructor(startMs: number, turnMs: number, wallToo: boolean) {
    super(startMs);
    this.turnMs = turnMs;
    this.wallToo = wallToo;
  }
  yieldTurn(): Promise<void> {
    this.turns++;
    if (this.wallToo) this.advance(this.turnMs);
    else this.monotonicMs += this.turnMs;
    return Promise.resolve();
  }
}

/** The checks every schedule must pass; `results[i]` are caller i's IDs. */
function checkOutcome(
  gen: SnowflakeGenerator,
  layout: Layout,
  counts: number[],
  results: bigint[][],
) {
  const all = results.flat();
  expect(new Set(all).size).toBe(all.length);
  const sequencesByTick = new Map<number, number[]>();
  results.forEach((ids, caller) => {
    expect(ids).toHaveLength(counts[caller] as number);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as bigint;
      if (i > 0) expect(id).toBeGreaterThan(ids[i - 1] as bigint);
      const decoded = decodeId(id, layout);
      expect(decoded.workerId).toBe(WORKER);
      // Re-composing checks no field spilled into another (a sequence past maxSequence would).
      expect(composeId(layout, decoded.timestamp, WORKER, decoded.sequence)).toBe(id);
      const tick = (decoded.timestamp - layout.epochMs) / layout.unitMs;
      sequencesByTick.set(tick, [...(sequencesByTick.get(tick) ?? []), decoded.sequence]);
    }
  });
  // Each tick's sequence numbers are used from 0 up without a gap; every tick but the last was
  // exhausted (time only moves when a waiter sleeps through an overflow) and counted once.
  const ticks = [...sequencesByTick.keys()].sort((a, b) => a - b);
  ticks.forEach((tick, index) => {
    const used = (sequencesByTick.get(tick) as number[]).sort((a, b) => a - b);
    expect(used).toEqual(used.map((_, i) => i));
    if (index < ticks.length - 1) expect(used).toHaveLength(layout.maxSequence + 1);
  });
  expect(gen.stats).toMatchObject({
    generated: all.length,
    sequenceOverflow: ticks.length - 1,
    clockBackward: 0,
    clockBackwardErrors: 0,
  });
  if (ticks.length > 1) expect(gen.stats.waitMicros).toBeGreaterThan(0);
}

function newGenerator(layout: Layout, clock: Clock): SnowflakeGenerator {
  return new SnowflakeGenerator({ layout, clock, workerId: WORKER });
}

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
