// An MREC global table written from two regions (support/replicated-regions.ts: asynchronous
// replication, last writer wins) with the real leaser: without ranges one worker ID is granted to
// two holders with overlapping fences (the negative control); with disjoint ranges, never.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, parseWorkerIds, type WorkerIdRange } from "../../src/lease/worker-range.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type Instance, instance, NOW, TTL } from "./support/instances.ts";
import { Replicator } from "./support/replicated-regions.ts";

/** What one holder was granted: worker ID and the timestamps it may issue, [floor, limit). */
interface Grant {
  owner: string;
  workerId: number;
  floorMs: number;
  limitMs: number;
}

class TwoRegions {
  readonly clock = new FakeClock(NOW);
  readonly replicator: Replicator;
  readonly instances: Instance[][];
  private readonly grants = new Map<string, Grant>();

  constructor(
    perRegion: number,
    ranges: [WorkerIdRange, WorkerIdRange] | undefined,
    delayMs: () => number,
    seed = 1,
  ) {
    this.replicator = new Replicator(this.clock, delayMs);
    let state = seed;
    const random = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    this.instances = [0, 1].map((region) =>
      Array.from({ length: perRegion }, () =>
        instance(this.replicator.store(region), this.clock, {
          workerIdCount: 4,
          workerIds: ranges?.[region],
          random,
        }),
      ),
    );
  }

  /** One instance renews or acquires; its tenure is recorded as a grant. */
  async refresh(region: number, index: number): Promise<void> {
    const one = this.instances[region]?.[index] as Instance;
    await one.leaser.refresh().catch(() => {});
    const tenure = one.leaser.tenure;
    if (!tenure) return;
    const key = `${tenure.lease.owner}|${tenure.workerId}|${tenure.acquiredAt}`;
    const grant = this.grants.get(key);
    if (grant) grant.limitMs = Math.max(grant.limitMs, tenure.expiresAt);
    else
      this.grants.set(key, {
        owner: tenure.lease.owner,
        workerId: tenure.workerId,
        floorMs: tenure.floorMs,
        limitMs: tenure.expiresAt,
      });
  }

  advance(ms: number): void {
    this.clock.advance(ms);
    this.replicator.deliverDue();
  }

  /** Pairs of grants of one worker ID to two owners whose fences overlap: duplicate IDs possible. */
  duplicates(): [Grant, Grant][] {
    const all = [...this.grants.values()];
    const found: [Grant, Grant][] = [];
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) {
        const overlap = a.floorMs < b.limitMs && b.floorMs < a.limitMs;
        if (a.workerId === b.workerId && a.owner !== b.owner && overlap) found.push([a, b]);
      }
    }
    return found;
  }
}

const DISJOINT: [WorkerIdRange, WorkerIdRange] = [parseWorkerIds("0-1"), parseWorkerIds("2-3")];

type Step = { kind: "refresh"; region: number; index: number } | { kind: "advance"; ms: number };
const steps = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("refresh" as const),
      region: fc.integer({ min: 0, max: 1 }),
      index: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: TTL }) }),
  ),
  { minLength: 1, maxLength: 60 },
);

async function run(regions: TwoRegions, plan: Step[]): Promise<void> {
  for (const step of plan) {
    if (step.kind === "refresh") await regions.refresh(step.region, step.index);
    else regions.advance(step.ms);
  }
}

describe("two regions, MREC (asynchronous last-writer-wins replication)", () => {
  it("negative control: without ranges, both regions grant worker ID 0 with overlapping fences", async () => {
    const regions = new TwoRegions(1, undefined, () => 1_000);
    await regions.refresh(0, 0); // both acquire within the replication delay
    await regions.refresh(1, 0);
    regions.advance(2_000); // replication lands; last writer wins, the first holder never knows
    const [duplicate] = regions.duplicates();
    expect(duplicate?.[0].workerId).toBe(duplicate?.[1].workerId);
    expect(duplicate?.[0].floorMs).toBe(0);
    expect(duplicate?.[1].floorMs).toBe(0);
  });

  it("negative control, random schedules: some run without ranges grants a worker ID twice", async () => {
    let found = 0;
    await fc.assert(
      fc.asyncProperty(
        steps,
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 1, max: 1e6 }),
        async (plan, delay, seed) => {
          const regions = new TwoRegions(3, undefined, () => delay, seed);
          await run(regions, plan);
          if (regions.duplicates().length > 0) found++;
        },
      ),
      { numRuns: 200, seed: 15 },
    );
    expect(found).toBeGreaterThan(0);
  });

  it("with disjoint ranges per region, no schedule or replication delay ever grants a worker ID twice", async () => {
    await fc.assert(
      fc.asyncProperty(
        steps,
        fc.array(fc.integer({ min: 0, max: 3 * TTL }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 1e6 }),
        async (plan, delays, seed) => {
          let next = 0;
          const delay = () => delays[next++ % delays.length] as number;
          const regions = new TwoRegions(3, DISJOINT, delay, seed);
          await run(regions, plan);
          expect(regions.duplicates()).toEqual([]);
          for (const [region, range] of DISJOINT.entries()) {
            for (const one of regions.instances[region] ?? []) {
              const workerId = one.leaser.tenure?.workerId;
              if (workerId !== undefined) expect(contains(range, workerId)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
