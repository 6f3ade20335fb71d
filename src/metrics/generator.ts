import { Counter, Gauge, type Registry } from "prom-client";
import type { GeneratorStats, SnowflakeGenerator } from "../core/generator.ts";
import {
  AVG_WAIT,
  GENERATOR_COUNTERS,
  GENERATOR_INFO,
  LAYOUT_CAPACITY,
  LEASE_STATE,
  promOptions,
} from "./contract.ts";

export interface GeneratorInfo {
  runtime: string;
  version: string;
}

type CounterStat = keyof typeof GENERATOR_COUNTERS &
  Exclude<keyof GeneratorStats, "lastClockBackwardErrorAtMs">;

/**
 * Registers the generator's metrics. Values are read from its plain counters at scrape time,
 * so issuing an ID never touches prom-client.
 */
export function registerGeneratorMetrics(
  registry: Registry,
  generator: SnowflakeGenerator,
  info: GeneratorInfo,
): void {
  const worker = () => String(generator.workerId);
  for (const stat of Object.keys(GENERATOR_COUNTERS) as CounterStat[]) {
    new Counter({
      ...promOptions(GENERATOR_COUNTERS[stat]),
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ worker: worker() }, generator.stats[stat]);
      },
    });
  }
  new Gauge({
    ...promOptions(AVG_WAIT),
    registers: [registry],
    collect() {
      const { waitMicros, generated } = generator.stats;
      this.reset();
      this.set({ worker: worker() }, generated === 0 ? 0 : waitMicros / generated);
    },
  });
  const { layout } = generator;
  new Gauge({
    ...promOptions(GENERATOR_INFO),
    registers: [registry],
    collect() {
      this.reset();
      this.set(
        {
          worker: worker(),
          layout: layout.name,
          epoch: new Date(layout.epochMs).toISOString(),
          runtime: info.runtime,
          version: info.version,
        },
        1,
      );
    },
  });
  const capacityPerSecond = ((layout.maxSequence + 1) * 1000) / layout.unitMs;
  new Gauge({
    ...promOptions(LAYOUT_CAPACITY),
    registers: [registry],
    collect() {
      this.reset();
      this.set({ worker: worker() }, capacityPerSecond);
    },
  });
}

/** In static mode there is no lease: report the state as `static` so dashboards show why. */
export function registerStaticLeaseState(registry: Registry, generator: SnowflakeGenerator): void {
  new Gauge({
    ...promOptions(LEASE_STATE),
    registers: [registry],
    collect() {
      this.reset();
      this.set({ worker: String(generator.workerId), state: "static" }, 1);
    },
  });
}
