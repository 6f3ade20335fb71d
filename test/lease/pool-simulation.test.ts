// npm run simulate:pool's engine on tiny scenarios: its accounting adds up, it is deterministic,
// and it agrees with Little's law where the pool is not the limit.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type PoolScenario, simulatePool, splitRange } from "../../scripts/pool-sim/simulation.ts";
import { parseWorkerIds } from "../../src/lease/worker-range.ts";

const TINY: PoolScenario = {
  startsPerHour: 360,
  lifetimeS: 120,
  requestIntervalS: 10,
  ttlMs: 30_000,
  layout: "classic",
  regions: 1,
  rangePerRegion: false,
  warmupS: 600,
  durationS: 1_800,
  bursts: [],
  sampleEveryS: 10,
  seed: 7,
};

describe("simulate:pool", () => {
  it("accounts for every start, request and store call, and repeats exactly for a seed", async () => {
    const report = await simulatePool(TINY);
    expect(report.timeline).toHaveLength(TINY.durationS / TINY.sampleEveryS + 1);
    expect(report.starts).toBeGreaterThan(50);
    // Every isolate binds once, on its first request; every served start wrote at least one acquire.
    expect(report.calls.bind).toBe(report.starts);
    expect(report.calls.acquire).toBeGreaterThanOrEqual(report.starts - report.refusedStarts);
    expect(report.calls.release).toBe(0); // isolates vanish without releasing
    expect(report.refusedStarts).toBe(0);
    expect(report.requests).toBeGreaterThan(report.starts);
    const { bind, acquire, renew } = report.calls;
    expect(report.writesPerSecond).toBeCloseTo((bind + acquire + renew) / TINY.durationS, 10);
    expect(report.peakLive).toBe(Math.max(...report.timeline.map((t) => t.live)));
    // Little's law: 0.1 starts/s x (120 s + 30 s) = 15 leases on average.
    expect(report.demand).toBeCloseTo(15, 10);
    expect(report.meanLive).toBeGreaterThan(15 * 0.7);
    expect(report.meanLive).toBeLessThan(15 * 1.5);
    expect(await simulatePool(TINY)).toEqual(report);
  });

  it("a pool too small for the load refuses starts with NO_FREE_WORKER_ID, never over-grants", async () => {
    const report = await simulatePool({
      ...TINY,
      layout: "custom:41/2/20/1",
      startsPerHour: 3_600,
    });
    expect(report.poolSize).toBe(4);
    expect(report.timeline.every((t) => t.live <= 4)).toBe(true);
    expect(report.peakLive).toBe(4);
    expect(report.refusedStarts).toBeGreaterThan(0);
    expect(report.refusedStarts).toBeLessThanOrEqual(report.refusedRequests);
    expect(report.refusedRequests).toBeLessThanOrEqual(report.requests);
    expect(report.pNoFreeWorkerId).toBeCloseTo(report.refusedStarts / report.starts, 10);
    expect(report.calls.list).toBeGreaterThan(0); // a full range is listed, not written blindly
  });

  it("a burst raises the live count; regions lease only from their own ranges", async () => {
    const burst = await simulatePool({
      ...TINY,
      bursts: [{ atS: 600, durationS: 300, factor: 5 }],
      regions: 3,
      rangePerRegion: true,
    });
    expect(burst.ranges).toEqual(["0-340", "341-681", "682-1023"]);
    const before = burst.timeline.find((t) => t.atS === 590)?.live ?? 0;
    const during = burst.timeline.find((t) => t.atS === 900)?.live ?? 0;
    expect(during).toBeGreaterThan(2 * before);
    expect(splitRange(parseWorkerIds("0-9"), 3).map((r) => r.text)).toEqual(["0-2", "3-5", "6-9"]);
  });
});

// Bad flags of the command: test/harness/flags.test.ts.
describe("npm run simulate:pool from the command line", () => {
  const script = join(import.meta.dirname, "../../scripts/simulate-pool.ts");
  const runScript = (...args: string[]) =>
    spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 60_000 });

  it("runs one small scenario from flags and prints its table row", () => {
    const result = runScript("--starts", "360", "--duration", "600", "--warmup", "60");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\| 360 \| 60 s \| classic \|/m);
  });
});
