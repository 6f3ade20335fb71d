// Concurrent callers of one generator, shared by the concurrency and the yieldTurn properties
// (test/core/generator.*.property.test.ts): the callers, the clocks, the checks every schedule passes.
import fc from "fast-check";
import { expect } from "vitest";
import type { Clock } from "../../src/core/clock.ts";
import {
  composeId,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
  type IdRun,
  idsOfRuns,
  type Layout,
  SnowflakeGenerator,
} from "../../src/core/index.ts";
import { FakeClock } from "./fake-clock.ts";

export const START = Date.UTC(2026, 0, 1);
export const WORKER = 7;
// Few sequence numbers per tick, so callers contend for ticks and overflow all the time.
export const LAYOUTS = ["custom:51/10/2/1", "custom:50/10/3/1", "custom:48/10/5/10"].map((name) =>
  createLayout(name, DEFAULT_EPOCH_MS, START),
);

export type CallerKind = "batch" | "one" | "try" | "runs" | "tryRuns";
export interface Caller {
  kind: CallerKind;
  /** In units of the layout's IDs per tick: 0.05 to 3.5 ticks' worth. */
  ticksWorth: number;
}

export const callersArb = fc.array(
  fc.record({
    kind: fc.constantFrom<CallerKind>("batch", "one", "try", "runs", "tryRuns"),
    ticksWorth: fc.double({ min: 0.05, max: 3.5, noNaN: true }),
  }),
  { minLength: 2, maxLength: 20 },
);

export function countFor(caller: Caller, layout: Layout): number {
  if (caller.kind === "one") return 1;
  return Math.max(1, Math.round(caller.ticksWorth * (layout.maxSequence + 1)));
}

/** One caller the way the HTTP layer calls the generator. */
export async function call(
  gen: SnowflakeGenerator,
  kind: CallerKind,
  count: number,
): Promise<bigint[]> {
  if (kind === "one") return [await gen.nextAsync()];
  if (kind === "try") return gen.tryNextBatch(count) ?? (await gen.nextBatchAsync(count));
  if (kind === "runs") return checkedIds(gen, await gen.nextRunsAsync(count));
  if (kind === "tryRuns") {
    return checkedIds(gen, gen.tryNextRuns(count) ?? (await gen.nextRunsAsync(count)));
  }
  return gen.nextBatchAsync(count);
}

/** The IDs of `runs`, after checking each run says what its IDs are (tick, worker, sequence). */
export function checkedIds(gen: SnowflakeGenerator, runs: IdRun[]): bigint[] {
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
export class TurningClock extends FakeClock {
  turns = 0;
  private readonly turnMs: number;
  private readonly wallToo: boolean;
  constructor(startMs: number, turnMs: number, wallToo: boolean) {
    super(startMs);
    this.turnMs = turnMs;
    this.wallToo = wallToo;
  }
  yieldTurn(resume: () => void): void {
    this.turns++;
    if (this.wallToo) this.advance(this.turnMs);
    else this.monotonicMs += this.turnMs;
    queueMicrotask(resume);
  }
}

/** The checks every schedule must pass; `results[i]` are caller i's IDs. */
export function checkOutcome(
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

export function newGenerator(layout: Layout, clock: Clock): SnowflakeGenerator {
  return new SnowflakeGenerator({ layout, clock, workerId: WORKER });
}
