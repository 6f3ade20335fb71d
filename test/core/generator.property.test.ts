import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ClockBackwardError,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
  type Layout,
  LeaseExpiredError,
  SnowflakeGenerator,
} from "../../src/core/index.ts";
import { FakeClock } from "../support/fake-clock.ts";

const START = Date.UTC(2026, 0, 1);
const TOLERANCE_MS = 10;
const WORKER = 5;
const LAYOUTS = ["custom:51/10/2/1", "custom:48/10/5/10", "classic"].map((name) =>
  createLayout(name, DEFAULT_EPOCH_MS, START),
);

type Step = { kind: "jump"; ms: number } | { kind: "ids"; count: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("jump" as const),
      ms: fc.integer({ min: -30, max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("jump" as const),
      ms: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("ids" as const),
      count: fc.integer({ min: 1, max: 40 }),
    }),
  },
);

const scenarioArb = fc.record({
  layout: fc.constantFrom(...LAYOUTS),
  floorOffsetMs: fc.integer({ min: -20, max: 15 }),
  limitOffsetMs: fc.integer({ min: 20, max: 400 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 60 }),
});

type Outcome = { ids: { tick: number; sequence: number }[] } | { error: "backward" | "lease" };

/** The rules of docs/ARCHITECTURE.md#the-generator, written plainly; the generator must agree with it exactly. */
class ReferenceModel {
  lastTick = -1;
  sequence = -1;
  overflow = 0;
  backward = 0;
  backwardErrors = 0;
  private overflowCounted = -1;
  private backwardCounted = -1;
  private readonly layout: Layout;
  private readonly floorTick: number;
  private readonly limitTick: number;
  constructor(layout: Layout, floorTick: number, limitTick: number) {
    this.layout = layout;
    this.floorTick = floorTick;
    this.limitTick = limitTick;
  }

  private tickOf(ms: number): number {
    return Math.floor((ms - this.layout.epochMs) / this.layout.unitMs);
  }
  private startOf(tick: number): number {
    return this.layout.epochMs + tick * this.layout.unitMs;
  }

  /** Returns the outcome and the clock after the call (the model sleeps exactly as long as needed). */
  call(startMs: number, count: number): { outcome: Outcome; endMs: number } {
    let now = startMs;
    const ids: { tick: number; sequence: number }[] = [];
    while (ids.length < count) {
      const tick = this.tickOf(now);
      if (tick >= this.limitTick) return this.fail("lease", now);
      const minTick = Math.max(this.lastTick, this.floorTick);
      if (tick < minTick) {
        if (this.startOf(minTick) - now > TOLERANCE_MS) {
          this.backwardErrors++;
          return this.fail("backward", now);
        }
        if (this.backwardCounted !== minTick) this.backward++;
        this.backwardCounted = minTick;
        now = this.startOf(minTick);
        continue;
      }
      if (tick === this.lastTick && this.sequence === this.layout.maxSequence) {
        if (tick + 1 >= this.limitTick) return this.fail("lease", now);
        if (this.overflowCounted !== tick) this.overflow++;
        this.overflowCounted = tick;
        now = this.startOf(tick + 1);
        continue;
      }
      if (tick !== this.lastTick) {
        this.lastTick = tick;
        this.sequence = -1;
      }
      while (ids.length < count && this.sequence < this.layout.maxSequence) {
        ids.push({ tick, sequence: ++this.sequence });
      }
    }
    return { outcome: { ids }, endMs: now };
  }

  private fail(error: "backward" | "lease", now: number) {
    // IDs reserved before the failure are burnt, never reissued: the model keeps its state.
    return { outcome: { error } as Outcome, endMs: now };
  }
}

describe("generator properties", () => {
  it("async API under random clock scripts agrees with the reference model exactly", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ layout, floorOffsetMs, limitOffsetMs, steps }) => {
        const clock = new FakeClock(START);
        const gen = new SnowflakeGenerator({ layout, clock, maxClockBackwardMs: TOLERANCE_MS });
        const fence = { floorMs: START + floorOffsetMs, limitMs: START + limitOffsetMs };
        gen.assign(WORKER, fence);
        const model = new ReferenceModel(
          layout,
          Math.max(0, Math.ceil((fence.floorMs - layout.epochMs) / layout.unitMs)),
          Math.ceil((fence.limitMs - layout.epochMs) / layout.unitMs),
        );
        let previous = -1n;
        let generated = 0;
        for (const step of steps) {
          if (step.kind === "jump") {
            clock.advance(step.ms);
            continue;
          }
          const expected = model.call(clock.ms, step.count);
          let actual: Outcome;
          try {
            const ids = await gen.nextBatchAsync(step.count);
            actual = {
              ids: ids.map((id) => {
                const decoded = decodeId(id, layout);
                // Invariants that hold whatever the model says.
                expect(id).toBeGreaterThan(previous);
                previous = id;
                expect(decoded.workerId).toBe(WORKER);
                expect(decoded.timestamp).toBeGreaterThanOrEqual(fence.floorMs);
                expect(decoded.timestamp).toBeLessThan(fence.limitMs);
                expect(decoded.timestamp).toBeLessThanOrEqual(clock.ms);
                const tick = (decoded.timestamp - layout.epochMs) / layout.unitMs;
                return { tick, sequence: decoded.sequence };
              }),
            };
            generated += ids.length;
          } catch (error) {
            if (error instanceof ClockBackwardError) actual = { error: "backward" };
            else if (error instanceof LeaseExpiredError) actual = { error: "lease" };
            else throw error;
          }
          expect(actual).toEqual(expected.outcome);
          expect(clock.ms).toBe(expected.endMs);
        }
        expect(gen.stats).toMatchObject({
          generated,
          sequenceOverflow: model.overflow,
          clockBackward: model.backward,
          clockBackwardErrors: model.backwardErrors,
        });
      }),
      { numRuns: 300 },
    );
  });

  it("sync API: unique, strictly increasing, inside the fence, never from the future", () => {
    fc.assert(
      fc.property(scenarioArb, ({ layout, floorOffsetMs, limitOffsetMs, steps }) => {
        const clock = new FakeClock(START, 0.05);
        const gen = new SnowflakeGenerator({ layout, clock, maxClockBackwardMs: TOLERANCE_MS });
        const fence = { floorMs: START + floorOffsetMs, limitMs: START + limitOffsetMs };
        gen.assign(WORKER, fence);
        let previous = -1n;
        let generated = 0;
        let errors = 0;
        for (const step of steps) {
          if (step.kind === "jump") {
            clock.advance(step.ms);
            continue;
          }
          try {
            const ids = step.count === 1 ? [gen.next()] : gen.nextBatch(step.count);
            for (const id of ids) {
              expect(id).toBeGreaterThan(previous);
              previous = id;
              const decoded = decodeId(id, layout);
              expect(decoded.workerId).toBe(WORKER);
              expect(decoded.timestamp).toBeGreaterThanOrEqual(fence.floorMs);
              expect(decoded.timestamp).toBeLessThan(fence.limitMs);
              expect(decoded.timestamp).toBeLessThanOrEqual(clock.ms);
            }
            generated += ids.length;
          } catch (error) {
            if (error instanceof ClockBackwardError) errors++;
            else expect(error).toBeInstanceOf(LeaseExpiredError);
          }
        }
        expect(gen.stats.generated).toBe(generated);
        expect(gen.stats.clockBackwardErrors).toBe(errors);
      }),
      { numRuns: 300 },
    );
  });
});
