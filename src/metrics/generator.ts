import { Counter, Gauge, type Registry } from "prom-client";
import type { GeneratorStats, SnowflakeGenerator } from "../core/generator.ts";

export interface GeneratorInfo {
  runtime: string;
  version: string;
}

type CounterStat = Exclude<keyof GeneratorStats, "lastClockBackwardErrorAtMs">;

// The public contract of DESIGN section 6: names, types and the `worker` label.
const COUNTERS: [name: string, help: string, stat: CounterStat][] = [
  ["snowflake_ids_generated_total", "IDs issued", "generated"],
  ["snowflake_clock_backward_total", "Clock steps back that were waited out", "clockBackward"],
  [
    "snowflake_clock_backward_errors_total",
    "Clock steps back beyond the tolerance (refused)",
    "clockBackwardErrors",
  ],
  [
    "snowflake_sequence_overflow_total",
    "Ticks whose sequence ran out, forcing a wait",
    "sequenceOverflow",
  ],
  [
    "snowflake_wait_time_microseconds_total",
    "Time spent waiting for the clock, in microseconds",
    "waitMicros",
  ],
];

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
  for (const [name, help, stat] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ["worker"],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ worker: worker() }, generator.stats[stat]);
      },
    });
  }
  new Gauge({
    name: "snowflake_avg_wait_microseconds",
    help: "Average wait per issued ID, in microseconds (wait time / IDs)",
    labelNames: ["worker"],
    registers: [registry],
    collect() {
      const { waitMicros, generated } = generator.stats;
      this.reset();
      this.set({ worker: worker() }, generated === 0 ? 0 : waitMicros / generated);
    },
  });
  const { layout } = generator;
  new Gauge({
    name: "snowflake_generator_info",
    help: "Static facts about the generator (always 1)",
    labelNames: ["worker", "layout", "epoch", "runtime", "version"],
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
}

/** In static mode there is no lease: report the state as `static` so dashboards show why. */
export function registerStaticLeaseState(registry: Registry, generator: SnowflakeGenerator): void {
  new Gauge({
    name: "snowflake_lease_state",
    help: "Worker-ID lease state (1 for the current state)",
    labelNames: ["worker", "state"],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ worker: String(generator.workerId), state: "static" }, 1);
    },
  });
}
