// The worker-ID pool under edge churn: isolates arrive (Poisson, with bursts) in regions, serve
// requests (Poisson) and die (exponential lifetimes) without releasing. Each isolate runs the REAL
// lazy leaser (`Leaser.ensure`, as Workers and Lambda do) against the memory store on a fake clock.

import { SnowflakeGenerator } from "../../src/core/generator.ts";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { NoFreeWorkerIdError } from "../../src/lease/errors.ts";
import { Leaser } from "../../src/lease/leaser.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/memory-store.ts";
import type { Lease, LeaseRecord, LeaseStore, NamespaceBinding } from "../../src/lease/store.ts";
import { fullRange, rangeOf, type WorkerIdRange } from "../../src/lease/worker-range.ts";
import { FakeClock } from "../lib/fake-clock.ts";
import { mulberry32 } from "../lib/prng.ts";
import { EventQueue, exponential } from "./events.ts";

export interface Burst {
  /** Start, seconds into the measured window. */
  atS: number;
  durationS: number;
  /** Arrival rate multiplier while it lasts. */
  factor: number;
}

export interface PoolScenario {
  /** Isolate or environment starts per hour, all regions together (outside bursts). */
  startsPerHour: number;
  /** Mean isolate lifetime, seconds (exponential). */
  lifetimeS: number;
  /** Mean time between an isolate's requests that issue IDs, seconds (Poisson). */
  requestIntervalS: number;
  ttlMs: number;
  layout: string;
  /** Arrivals split evenly over the regions. */
  regions: number;
  /** Each region leases from its own equal, disjoint part of the range (LEASE_WORKER_IDS). */
  rangePerRegion: boolean;
  /** Simulated seconds before measuring (the pool fills up), then measured. */
  warmupS: number;
  durationS: number;
  bursts: Burst[];
  sampleEveryS: number;
  seed: number;
  /**
   * Stop early after this many refused starts (warm-up included): the pool is too small for the
   * load, and simulating every refused request's re-check would only cost time.
   */
  stopAfterRefusals?: number;
}

export interface PoolReport {
  scenario: PoolScenario;
  poolSize: number;
  /** The range text of each region. */
  ranges: string[];
  starts: number;
  /** Starts whose first request found no free worker ID (NO_FREE_WORKER_ID). */
  refusedStarts: number;
  pNoFreeWorkerId: number;
  requests: number;
  refusedRequests: number;
  peakLive: number;
  peakFraction: number;
  meanLive: number;
  /** Live leases (`expiresAt` ahead) sampled every `sampleEveryS`, measured window only. */
  timeline: { atS: number; live: number }[];
  /** Store calls in the measured window: conditional writes (UpdateItem) and reads. */
  calls: {
    bind: number;
    acquire: number;
    renew: number;
    release: number;
    list: number;
    get: number;
  };
  writesPerSecond: number;
  /** Stopped early by `stopAfterRefusals` (the counts cover the simulated part only). */
  saturated: boolean;
  /** Simulated seconds of the measured window. */
  measuredS: number;
  /** Little's law: leases wanted on average outside bursts, starts/s x (lifetime + TTL). */
  demand: number;
}

const START_MS = Date.UTC(2026, 0, 1);

/** Counts every store call; only the measured window's are reported. */
class CountingStore extends MemoryLeaseStore {
  counting = false;
  readonly items: Map<number, LeaseRecord>;
  constructor(namespace: string, table: MemoryLeaseTable) {
    super(namespace, table);
    this.items = table.open(namespace).items;
  }
  readonly calls = { bind: 0, acquire: 0, renew: 0, release: 0, list: 0, get: 0 };
  private count(kind: keyof CountingStore["calls"]): void {
    if (this.counting) this.calls[kind]++;
  }
  override bind(binding: NamespaceBinding) {
    this.count("bind");
    return super.bind(binding);
  }
  override tryAcquire(...args: Parameters<LeaseStore["tryAcquire"]>) {
    this.count("acquire");
    return super.tryAcquire(...args);
  }
  override renew(...args: Parameters<LeaseStore["renew"]>) {
    this.count("renew");
    return super.renew(...args);
  }
  override release(lease: Lease, expiresAt: number) {
    this.count("release");
    return super.release(lease, expiresAt);
  }
  /** Same answer as the memory store's (range items in worker-ID order, copies), without its sort. */
  override async list(range?: WorkerIdRange) {
    this.count("list");
    if (!range) return super.list();
    const records: LeaseRecord[] = [];
    for (const [lo, hi] of range.spans) {
      for (let workerId = lo; workerId <= hi; workerId++) {
        const item = this.items.get(workerId);
        if (item) records.push({ ...item });
      }
    }
    return records;
  }
  override get(...args: Parameters<LeaseStore["get"]>) {
    this.count("get");
    return super.get(...args);
  }
}

/** Equal disjoint parts of `range` (the last takes the remainder). */
export function splitRange(range: WorkerIdRange, parts: number): WorkerIdRange[] {
  const [lo] = range.spans[0] as readonly [number, number];
  const width = Math.floor(range.size / parts);
  return Array.from({ length: parts }, (_, i) =>
    rangeOf([[lo + i * width, i === parts - 1 ? lo + range.size - 1 : lo + (i + 1) * width - 1]]),
  );
}

/** Runs one scenario to the end; deterministic for a seed. */
export async function simulatePool(scenario: PoolScenario): Promise<PoolReport> {
  const clock = new FakeClock(START_MS);
  const random = mulberry32(scenario.seed);
  const layout = createLayout(scenario.layout, DEFAULT_EPOCH_MS, START_MS);
  const pool = fullRange(layout.maxWorkerId + 1);
  const ranges = scenario.rangePerRegion ? splitRange(pool, scenario.regions) : [pool];
  const table = new MemoryLeaseTable();
  const store = new CountingStore("edgeflake", table);
  const items = table.open("edgeflake").items;
  const queue = new EventQueue();
  const warmupMs = scenario.warmupS * 1000;
  const endMs = START_MS + warmupMs + scenario.durationS * 1000;
  const measuring = () => clock.ms >= START_MS + warmupMs;
  const report = { starts: 0, refusedStarts: 0, requests: 0, refusedRequests: 0 };
  const all = { starts: 0, refused: 0 }; // warm-up included: saturation shows there already
  const timeline: { atS: number; live: number }[] = [];

  const rateAt = (ms: number): number => {
    const s = (ms - START_MS - warmupMs) / 1000;
    const burst = scenario.bursts.find((b) => s >= b.atS && s < b.atS + b.durationS);
    return (scenario.startsPerHour / 3_600_000) * (burst?.factor ?? 1);
  };

  /** One request that issues an ID: the leaser checks (acquires, renews) exactly as on Workers. */
  const request = async (leaser: Leaser, generator: SnowflakeGenerator, first: boolean) => {
    const counted = measuring();
    if (counted) report.requests++;
    const pending: Promise<unknown>[] = [];
    try {
      await leaser.ensure((task) => pending.push(task));
      await Promise.all(pending);
      generator.tryNextBatch(1);
    } catch (error) {
      if (!(error instanceof NoFreeWorkerIdError)) throw error;
      if (counted) report.refusedRequests++;
      if (counted && first) report.refusedStarts++;
      if (first) all.refused++;
    }
  };

  const arrive = () => {
    const region = Math.floor(random() * scenario.regions);
    const generator = new SnowflakeGenerator({ layout, clock });
    const leaser = new Leaser({
      store,
      generator,
      clock,
      ttlMs: scenario.ttlMs,
      random,
      workerIds: ranges[scenario.rangePerRegion ? region : 0],
    });
    if (measuring()) report.starts++;
    all.starts++;
    const diesAt = clock.ms + exponential(random, scenario.lifetimeS * 1000);
    const next = (first: boolean) => async () => {
      await request(leaser, generator, first);
      const at = clock.ms + exponential(random, scenario.requestIntervalS * 1000);
      if (at < diesAt && at < endMs) queue.push(at, next(false));
    };
    queue.push(clock.ms, next(true));
    const after = clock.ms + exponential(random, 1 / rateAt(clock.ms));
    if (after < endMs) queue.push(after, arrive);
  };

  queue.push(START_MS, arrive);
  for (let at = START_MS + warmupMs; at <= endMs; at += scenario.sampleEveryS * 1000) {
    queue.push(at, () => {
      if (at === START_MS + warmupMs) store.counting = true;
      let live = 0;
      for (const item of items.values()) if (item.expiresAt > clock.ms) live++;
      timeline.push({ atS: (at - START_MS - warmupMs) / 1000, live });
    });
  }
  let saturated = false;
  const limit = scenario.stopAfterRefusals ?? Number.POSITIVE_INFINITY;
  for (let event = queue.pop(); event; event = queue.pop()) {
    clock.set(Math.max(clock.ms, event.atMs));
    await event.run();
    if (all.refused >= limit) {
      saturated = true;
      break;
    }
  }
  const measuredS = Math.max(1, Math.min(endMs, clock.ms) - START_MS - warmupMs) / 1000;

  let liveNow = 0;
  for (const item of items.values()) if (item.expiresAt > clock.ms) liveNow++;
  const peakLive = Math.max(saturated ? liveNow : 0, ...timeline.map((t) => t.live));
  const meanLive = timeline.reduce((sum, t) => sum + t.live, 0) / Math.max(1, timeline.length);
  const { bind, acquire, renew, release } = store.calls;
  return {
    scenario,
    poolSize: pool.size,
    ranges: ranges.map((r) => r.text),
    ...report,
    pNoFreeWorkerId: report.starts === 0 ? 0 : report.refusedStarts / report.starts,
    peakLive,
    peakFraction: peakLive / pool.size,
    meanLive,
    timeline,
    calls: { ...store.calls },
    writesPerSecond: (bind + acquire + renew + release) / measuredS,
    saturated,
    measuredS,
    demand: (scenario.startsPerHour / 3600) * (scenario.lifetimeS + scenario.ttlMs / 1000),
  };
}
