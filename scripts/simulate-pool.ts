// npm run simulate:pool: the worker-ID pool under edge churn, simulated in process with the real
// leaser on a fake clock (scripts/pool-sim). One scenario from flags, or `--grid` for the table in
// docs/OPERATIONS.md (loads 100 to 100,000 starts per hour, TTLs, layouts).
import { createLayout, DEFAULT_EPOCH_MS } from "../src/core/index.ts";
import { parseFlags, refuseFlags } from "./lib/flags.ts";
import { type PoolReport, type PoolScenario, simulatePool } from "./pool-sim/simulation.ts";

const USAGE = `usage: npm run simulate:pool -- [--starts N] [--lifetime S] [--interval S] [--ttl MS]
  [--layout classic|sonyflake|custom:...] [--regions N] [--range-per-region] [--duration S]
  [--warmup S] [--burst AT:DURATION:FACTOR] [--seed N] [--json] | --grid`;

const refuse = (message: string): never => refuseFlags("simulate:pool", USAGE, message);

const values = parseFlags("simulate:pool", USAGE, {
  starts: { type: "string", default: "10000" },
  lifetime: { type: "string", default: "600" },
  interval: { type: "string", default: "10" },
  ttl: { type: "string", default: "60000" },
  layout: { type: "string", default: "classic" },
  regions: { type: "string", default: "1" },
  "range-per-region": { type: "boolean", default: false },
  duration: { type: "string", default: "3600" },
  warmup: { type: "string", default: "1200" },
  burst: { type: "string", default: "1800:300:3" },
  seed: { type: "string", default: "15" },
  grid: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
});
try {
  createLayout(values.layout, DEFAULT_EPOCH_MS, Date.now());
} catch (error) {
  refuse((error as Error).message);
}
for (const name of [
  "starts",
  "lifetime",
  "interval",
  "ttl",
  "regions",
  "duration",
  "seed",
] as const) {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < (name === "seed" ? 0 : 1)) {
    refuse(`--${name} must be a positive number, not "${values[name]}"`);
  }
}

function scenario(overrides: Partial<PoolScenario> = {}): PoolScenario {
  const [atS, durationS, factor] = (values.burst ?? "").split(":").map(Number);
  return {
    startsPerHour: Number(values.starts),
    lifetimeS: Number(values.lifetime),
    requestIntervalS: Number(values.interval),
    ttlMs: Number(values.ttl),
    layout: values.layout ?? "classic",
    regions: Number(values.regions),
    rangePerRegion: values["range-per-region"] ?? false,
    warmupS: Number(values.warmup),
    durationS: Number(values.duration),
    bursts: factor ? [{ atS: atS ?? 0, durationS: durationS ?? 0, factor }] : [],
    sampleEveryS: 10,
    seed: Number(values.seed),
    stopAfterRefusals: 100,
    ...overrides,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 1)} %`;

function line(r: PoolReport): string {
  const s = r.scenario;
  const refused = r.saturated
    ? "saturated (stopped at 100 refused starts)"
    : pct(r.pNoFreeWorkerId);
  const writes = r.saturated ? "-" : r.writesPerSecond.toFixed(1);
  return `| ${s.startsPerHour.toLocaleString("en")} | ${s.ttlMs / 1000} s | ${s.layout} | ${r.ranges.join(" ")} | ${r.peakLive.toLocaleString("en")} | ${pct(r.peakFraction)} | ${Math.round(r.demand).toLocaleString("en")} | ${refused} | ${writes} |`;
}

const HEADER =
  "| starts/hour | TTL | layout | range(s) | peak live leases | peak / pool | mean demand | P(NO_FREE_WORKER_ID) per start | table writes/s |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |";

if (values.grid) {
  console.log(HEADER);
  for (const startsPerHour of [100, 1_000, 10_000, 100_000]) {
    for (const layout of ["classic", "sonyflake"]) {
      for (const ttlMs of [10_000, 30_000, 60_000]) {
        console.log(line(await simulatePool(scenario({ startsPerHour, layout, ttlMs }))));
      }
    }
  }
  // Regions: each its own disjoint range of the pool (LEASE_WORKER_IDS), arrivals split evenly.
  for (const [startsPerHour, layout] of [
    [1_000, "classic"],
    [10_000, "sonyflake"],
    [100_000, "sonyflake"],
  ] as const) {
    const regional = { startsPerHour, layout, ttlMs: 60_000, regions: 4, rangePerRegion: true };
    console.log(line(await simulatePool(scenario(regional))));
  }
} else {
  const report = await simulatePool(scenario());
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    const every = Math.max(1, Math.floor(report.timeline.length / 12));
    console.log("live leases over time (s: count):");
    console.log(
      report.timeline
        .filter((_, i) => i % every === 0)
        .map((t) => `${t.atS}: ${t.live}`)
        .join("  "),
    );
    console.log(HEADER);
    console.log(line(report));
    console.log(
      `starts ${report.starts}, refused ${report.refusedStarts}; requests ${report.requests}, refused ${report.refusedRequests}; store calls ${JSON.stringify(report.calls)}`,
    );
  }
}
