import type { Hono } from "hono";
import { Registry } from "prom-client";
import type { AppConfig } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import { SnowflakeGenerator } from "./core/generator.ts";
import { createApp } from "./http/app.ts";
import type { AppDeps } from "./http/deps.ts";
import type { Logger } from "./log.ts";
import { registerGeneratorMetrics, registerStaticLeaseState } from "./metrics/generator.ts";

/** What every target assembles the same way. */
export interface Service {
  app: Hono;
  generator: SnowflakeGenerator;
  registry: Registry;
}

/** Leasing hooks (see AppDeps); absent in static mode. Passed to the app as they are. */
export type LeasingHooks = Pick<
  AppDeps,
  | "beforeIssue"
  | "beforeHealth"
  | "healthChecks"
  | "leaseOnDemand"
  | "healthFacts"
  | "readinessChecks"
>;

/** The leasing hooks and the target's body allocator, passed to the app as they are. */
export interface ServiceOptions extends LeasingHooks, Pick<AppDeps, "bodyBuffer"> {
  clock: Clock;
  logger: Logger;
  runtime: "node" | "workers" | "lambda";
  version: string;
}

/** Builds the generator (static worker ID when configured), its metrics registry and the app. */
export function createService(config: AppConfig, options: ServiceOptions): Service {
  const { clock, logger, runtime, version, ...hooks } = options;
  const generator = new SnowflakeGenerator({
    layout: config.layout,
    clock,
    workerId: config.workerId,
    maxClockBackwardMs: config.maxClockBackwardMs,
  });
  const registry = new Registry();
  registerGeneratorMetrics(registry, generator, { runtime, version });
  if (config.workerId !== undefined) registerStaticLeaseState(registry, generator);
  const app = createApp(
    {
      generator,
      clock,
      registry,
      logger,
      maxBatch: config.maxBatch,
      authToken: config.authToken,
      metricsToken: config.metricsToken,
      corsOrigins: config.corsOrigins,
      ...hooks,
    },
    version,
  );
  return { app, generator, registry };
}
