import type { Registry } from "prom-client";
import type { MetricsPushConfig } from "../../config.ts";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../log.ts";
import { type FetchFunction, MetricsPusher } from "./pusher.ts";

export interface ServicePushOptions {
  registry: Registry;
  clock: Clock;
  logger: Logger;
  runtime: string;
  /** A short identity of the isolate or environment, unique in the fleet. */
  instance: string;
  /** The worker ID in use now (it changes when a lease is lost and another acquired). */
  workerId: () => number;
  fetch: FetchFunction;
}

/**
 * A pusher for one service, or undefined without `METRICS_PUSH_URL`. Every series is labelled
 * `job="edgeflake-<runtime>"`, `instance`, `runtime`, `worker` and the configured fixed labels.
 */
export function createServicePusher(
  config: MetricsPushConfig | undefined,
  options: ServicePushOptions,
): MetricsPusher | undefined {
  if (!config) return undefined;
  const fixed = {
    ...config.labels,
    job: `edgeflake-${options.runtime}`,
    instance: options.instance,
    runtime: options.runtime,
  };
  return new MetricsPusher({
    config,
    registry: options.registry,
    clock: options.clock,
    logger: options.logger,
    fetch: options.fetch,
    labels: () => ({ ...fixed, worker: String(options.workerId()) }),
  });
}
