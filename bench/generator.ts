// npm run bench: edgeflake's generator against peer libraries, in one process, one run.
import { Snowflake as SapphireSnowflake } from "@sapphire/snowflake";
import FlakeId from "flake-idgen";
import { Worker as SnowflakeUuidWorker } from "snowflake-uuid";
import { median } from "../scripts/lib/stats.ts";
import { createLayout, DEFAULT_EPOCH_MS, SnowflakeGenerator } from "../src/core/index.ts";
import { systemClock } from "../src/system-clock.ts";
import { machineLine, table, writeSection } from "./report.ts";

const CAP_PER_SECOND = 4096 * 1000;
const IDS_PER_RUN = 3_000_000;
const DUPLICATE_WINDOW = 1_000_000;
const ROUNDS = 3;

interface Contestant {
  name: string;
  make: () => () => bigint;
}

const contestants: Contestant[] = [
  {
    name: "edgeflake next()",
    make: () => {
      const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
      const gen = new SnowflakeGenerator({ layout, clock: systemClock, workerId: 1 });
      return () => gen.next();
    },
  },
  {
    name: "@sapphire/snowflake",
    make: () => {
      const sf = new SapphireSnowflake(DEFAULT_EPOCH_MS);
      return () => sf.generate({ workerId: 1n });
    },
  },
  {
    name: "snowflake-uuid",
    make: () => {
      const worker = new SnowflakeUuidWorker(1n, 0n, { epoch: DEFAULT_EPOCH_MS });
      return () => worker.nextId();
    },
  },
  {
    name: "flake-idgen",
    make: () => {
      const flake = new FlakeId({ worker: 1, datacenter: 0 });
      // Without a callback it throws when a millisecond's counter is exhausted: retry, as a caller must.
      return () => {
        for (;;) {
          try {
            return flake.next().readBigUInt64BE(0);
          } catch {}
        }
      };
    },
  },
];

function measure(next: () => bigint, count: number, keep: bigint[] | null): number {
  const started = process.hrtime.bigint();
  if (keep) for (let i = 0; i < count; i++) keep[i] = next();
  else for (let i = 0; i < count; i++) next();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function duplicates(ids: bigint[]): number {
  return ids.length - new Set(ids).size;
}

const rows: (string | number)[][] = [];
const rates = new Map<string, number[]>();
const dupes = new Map<string, number>();
for (const c of contestants) {
  const next = c.make();
  measure(next, 200_000, null); // warm-up
  const window: bigint[] = new Array(DUPLICATE_WINDOW);
  measure(next, DUPLICATE_WINDOW, window);
  dupes.set(c.name, duplicates(window));
}
// Rounds alternate the contestants so a noisy neighbour hurts all of them alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const c of contestants) {
    const next = c.make();
    measure(next, 100_000, null);
    const seconds = measure(next, IDS_PER_RUN, null);
    rates.set(c.name, [...(rates.get(c.name) ?? []), IDS_PER_RUN / seconds]);
  }
}
for (const c of contestants) {
  const rate = median(rates.get(c.name) ?? []);
  rows.push([
    c.name,
    `${(rate / 1e6).toFixed(2)}M`,
    `${((rate / CAP_PER_SECOND) * 100).toFixed(1)}%`,
    dupes.get(c.name) ?? 0,
  ]);
}

// Uncapped: a 22-bit sequence allows 4.2M IDs per ms, so the clock never stops the generator.
const wide = createLayout("custom:31/10/22/1", Date.now() - 86_400_000, Date.now());
const wideGen = new SnowflakeGenerator({ layout: wide, clock: systemClock, workerId: 1 });
measure(() => wideGen.next(), 200_000, null);
const uncappedRates: number[] = [];
const batchRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  uncappedRates.push(IDS_PER_RUN / measure(() => wideGen.next(), IDS_PER_RUN, null));
  const batches = IDS_PER_RUN / 10_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) wideGen.nextBatch(10_000);
  batchRates.push(IDS_PER_RUN / (Number(process.hrtime.bigint() - started) / 1e9));
}
const uncapped = median(uncappedRates);
const batch = median(batchRates);

const classicLayout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
const classicGen = new SnowflakeGenerator({
  layout: classicLayout,
  clock: systemClock,
  workerId: 1,
});
const classicBatchSeconds = (() => {
  const started = process.hrtime.bigint();
  for (let i = 0; i < IDS_PER_RUN / 10_000; i++) classicGen.nextBatch(10_000);
  return Number(process.hrtime.bigint() - started) / 1e9;
})();
const classicBatch = IDS_PER_RUN / classicBatchSeconds;

const capped = table(
  ["generator (classic 41/10/12)", "IDs/s", "% of 4.096M/s cap", "duplicates in first 1M"],
  rows,
);
const extra = table(
  ["edgeflake, uncapped", "IDs/s", "ns per ID"],
  [
    ["next(), 22-bit sequence", `${(uncapped / 1e6).toFixed(2)}M`, (1e9 / uncapped).toFixed(1)],
    ["nextBatch(10000), 22-bit sequence", `${(batch / 1e6).toFixed(2)}M`, (1e9 / batch).toFixed(1)],
    [
      "nextBatch(10000), classic (capped)",
      `${(classicBatch / 1e6).toFixed(2)}M`,
      `${((classicBatch / CAP_PER_SECOND) * 100).toFixed(1)}% of cap`,
    ],
  ],
);
const markdown = `## Generator (\`npm run bench\`)

${machineLine()}. ${IDS_PER_RUN.toLocaleString("en")} IDs per run, median of ${ROUNDS} alternating rounds.

${capped}

${extra}`;
console.log(markdown);
writeSection("generator", markdown);
