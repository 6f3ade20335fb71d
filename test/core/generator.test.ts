import { describe, expect, it } from "vitest";
import {
  ClockBackwardError,
  ClockStalledError,
  composeId,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
  InvalidCountError,
  InvalidWorkerIdError,
  LeaseExpiredError,
  SnowflakeGenerator,
} from "../../src/core/index.ts";
import { FakeClock } from "../support/fake-clock.ts";

const START = Date.UTC(2026, 0, 1);
const classic = createLayout("classic", DEFAULT_EPOCH_MS, START);
const tiny = createLayout("custom:51/10/2/1", DEFAULT_EPOCH_MS, START); // 4 IDs per ms

const UNASSIGNED = -1;

function setup(layout = classic, worker = 7, maxClockBackwardMs = 10) {
  const clock = new FakeClock(START);
  const workerId = worker === UNASSIGNED ? undefined : worker;
  const gen = new SnowflakeGenerator({ layout, clock, workerId, maxClockBackwardMs });
  return { clock, gen };
}

describe("SnowflakeGenerator", () => {
  it("issues exact IDs: same tick increments the sequence, a new tick restarts it", () => {
    const { clock, gen } = setup();
    expect(gen.next()).toBe(composeId(classic, START, 7, 0));
    expect(gen.next()).toBe(composeId(classic, START, 7, 1));
    clock.advance(5);
    expect(gen.next()).toBe(composeId(classic, START + 5, 7, 0));
    expect(gen.stats).toMatchObject({ generated: 3, sequenceOverflow: 0, clockBackward: 0 });
    expect(gen.lastIssuedMs).toBe(START + 5);
  });

  it("waits for the next tick when the sequence is exhausted (sync spins, counted once)", () => {
    const { clock, gen } = setup(tiny);
    clock.stepPerRead = 0.01;
    const ids = Array.from({ length: 9 }, () => gen.next());
    const decoded = ids.map((id) => decodeId(id, tiny));
    expect(decoded.map((d) => d.sequence)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0]);
    expect(decoded[4]?.timestamp).toBe(START + 1);
    expect(gen.stats.sequenceOverflow).toBe(2);
    expect(gen.stats.waitMicros).toBeGreaterThan(0);
  });

  it("the async API sleeps through an overflow instead of spinning", async () => {
    const { clock, gen } = setup(tiny);
    const ids = await gen.nextBatchAsync(10);
    expect(new Set(ids).size).toBe(10);
    expect(clock.sleeps).toEqual([1, 1]);
    expect(gen.stats.sequenceOverflow).toBe(2);
    expect(gen.stats.waitMicros).toBe(2000);
    expect(decodeId(ids[9] as bigint, tiny)).toMatchObject({ timestamp: START + 2, sequence: 1 });
  });

  it("waits out a small backward step and counts it", async () => {
    const { clock, gen } = setup();
    gen.next();
    clock.advance(-5);
    const id = await gen.nextAsync();
    expect(decodeId(id, classic)).toMatchObject({ timestamp: START, sequence: 1 });
    expect(clock.sleeps).toEqual([5]);
    expect(gen.stats).toMatchObject({ clockBackward: 1, clockBackwardErrors: 0 });
  });

  it("refuses a backward step beyond the tolerance with ClockBackwardError", () => {
    const { clock, gen } = setup();
    gen.next();
    clock.advance(-11);
    expect(() => gen.next()).toThrow(ClockBackwardError);
    expect(gen.stats.clockBackwardErrors).toBe(1);
    expect(gen.stats.lastClockBackwardErrorAtMs).toBe(START - 11);
    clock.advance(11);
    expect(decodeId(gen.next(), classic).sequence).toBe(1);
  });

  it("a batch fills a tick in one step and spans ticks in order", () => {
    const { clock, gen } = setup();
    clock.stepPerRead = 0.001;
    const ids = gen.nextBatch(10_000);
    expect(ids).toHaveLength(10_000);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as bigint);
    expect(decodeId(ids[4096] as bigint, classic)).toMatchObject({
      sequence: 0,
      timestamp: START + 1,
    });
    expect(gen.stats).toMatchObject({ generated: 10_000, sequenceOverflow: 2 });
  });

  it("rejects bad counts with a typed error", () => {
    const { gen } = setup();
    for (const count of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => gen.nextBatch(count)).toThrow(InvalidCountError);
    }
  });

  it("never issues at or past the fence limit and fails closed", async () => {
    const { clock, gen } = setup(classic, UNASSIGNED);
    expect(() => gen.next()).toThrow(LeaseExpiredError);
    gen.assign(3, { floorMs: START, limitMs: START + 2 });
    gen.next();
    clock.advance(1);
    gen.next();
    clock.advance(1);
    expect(() => gen.next()).toThrow(LeaseExpiredError);
    await expect(gen.nextAsync()).rejects.toThrow(LeaseExpiredError);
    gen.extend(START + 100);
    expect(decodeId(gen.next(), classic).timestamp).toBe(START + 2);
    gen.revoke();
    expect(() => gen.next()).toThrow(LeaseExpiredError);
    expect(gen.canIssueAt(clock.ms)).toBe(false);
  });

  it("refuses to wait into a limit when the last tick is exhausted", () => {
    const { clock, gen } = setup(tiny, UNASSIGNED);
    gen.assign(1, { floorMs: START, limitMs: START + 1 });
    clock.stepPerRead = 0.01;
    expect(() => gen.nextBatch(5)).toThrow(LeaseExpiredError);
    expect(gen.stats.generated).toBe(0);
  });

  it("starts at the floor: waits when it is close, refuses when it is far", async () => {
    const near = setup(classic, UNASSIGNED);
    near.gen.assign(1, { floorMs: START + 4, limitMs: START + 1000 });
    const id = await near.gen.nextAsync();
    expect(decodeId(id, classic).timestamp).toBe(START + 4);
    expect(near.clock.sleeps).toEqual([4]);

    const far = setup(classic, UNASSIGNED);
    far.gen.assign(1, { floorMs: START + 500, limitMs: START + 1000 });
    expect(() => far.gen.next()).toThrow(ClockBackwardError);
  });

  it("stays strictly increasing across a change of worker ID", () => {
    const { clock, gen } = setup(classic, 900);
    clock.stepPerRead = 0.001;
    const before = gen.next();
    gen.assign(2, { floorMs: START - 1000, limitMs: START + 1000 });
    // Same ms, lower worker ID: the generator moves to the next tick instead of going backwards.
    const after = gen.nextBatch(3);
    expect(after[0]).toBeGreaterThan(before);
    expect(decodeId(after[0] as bigint, classic)).toMatchObject({
      workerId: 2,
      timestamp: START + 1,
    });
  });

  it("rejects worker IDs outside the layout", () => {
    expect(() => setup(classic, 1024)).toThrow(InvalidWorkerIdError);
    expect(() => setup(classic, -2)).toThrow(InvalidWorkerIdError);
    expect(() => setup(classic, 1.5)).toThrow(InvalidWorkerIdError);
  });

  it("gives up with ClockStalledError when a synchronous wait sees a frozen clock", () => {
    const { gen } = setup(tiny);
    gen.nextBatch(4);
    expect(() => gen.next()).toThrow(ClockStalledError);
  });

  it("is fair to concurrent async callers: their IDs never collide", async () => {
    const { gen } = setup(tiny);
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gen.nextBatchAsync(i + 1)),
    );
    const all = batches.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(gen.stats.generated).toBe(all.length);
    // Unique is not enough: a sequence run past its field would spill into the worker ID's bits.
    for (const id of all) {
      const decoded = decodeId(id, tiny);
      expect(decoded.workerId).toBe(7);
      expect(composeId(tiny, decoded.timestamp, 7, decoded.sequence)).toBe(id);
    }
  });

  it("next() honours a floor raised by assign to the same worker ID, fast path included", () => {
    const { clock, gen } = setup(classic, UNASSIGNED);
    gen.assign(3, { floorMs: START, limitMs: START + 1000 });
    gen.next(); // tick START is now the last tick, with sequence numbers left
    gen.assign(3, { floorMs: START + 5, limitMs: START + 1000 });
    clock.stepPerRead = 0.01;
    expect(decodeId(gen.next(), classic)).toMatchObject({ timestamp: START + 5, sequence: 0 });
    expect(gen.stats.clockBackward).toBe(1);
  });

  it("a refused oversized tryNextBatch leaves the last tick where it was", () => {
    const { clock, gen } = setup();
    gen.tryNextBatch(1);
    clock.advance(1);
    expect(gen.tryNextBatch(4097)).toBeUndefined();
    clock.advance(-1); // had the refusal moved lastTick to START + 1, this would be a step back
    expect(decodeId(gen.tryNextBatch(1)?.[0] as bigint, classic)).toMatchObject({
      timestamp: START,
      sequence: 1,
    });
    expect(gen.stats.clockBackward).toBe(0);
  });

  it("tryNextBatch answers without waiting or not at all, and then uses nothing up", () => {
    const { clock, gen } = setup(tiny);
    expect(gen.tryNextBatch(3)?.map((id) => decodeId(id, tiny).sequence)).toEqual([0, 1, 2]);
    expect(gen.tryNextBatch(2)).toBeUndefined();
    expect(gen.stats.generated).toBe(3);
    expect(decodeId(gen.tryNextBatch(1)?.[0] as bigint, tiny).sequence).toBe(3);
    expect(gen.tryNextBatch(1)).toBeUndefined();
    clock.advance(1);
    expect(decodeId(gen.tryNextBatch(4)?.[3] as bigint, tiny)).toMatchObject({
      sequence: 3,
      timestamp: START + 1,
    });
    expect(gen.stats).toMatchObject({ generated: 8, sequenceOverflow: 1 });
  });
});
