import { Registry } from "prom-client";
import type { AppConfig } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import { SnowflakeGenerator } from "./core/generator.ts";
import { registerGeneratorMetrics, registerStaticLeaseState } from "./metrics/generator.ts";

/** The pieces every target assembles the same way: a generator and a registry reading it. */
export interface ServiceCore {
  generator: SnowflakeGenerator;
  registry: Registry;
}

/** Builds the generator (static worker ID when configured) and its metrics registry. */
export function createServiceCore(
  config: AppConfig,
  clock: Clock,
  runtime: string,
  version: string,
): ServiceCore {
  const generator = new SnowflakeGenerator({
    layout: config.layout,
    clock,
    workerId: config.workerId,
    maxClockBackwardMs: config.maxClockBackwardMs,
  });
  const registry = new Registry();
  registerGeneratorMetrics(registry, generator, { runtime, version });
  if (config.workerId !== undefined) registerStaticLeaseState(registry, generator);
  return { generator, registry };
}
