import { Registry } from "prom-client";
import type { Clock } from "../../../src/core/clock.ts";
import { SnowflakeGenerator } from "../../../src/core/generator.ts";
import { createLayout, DEFAULT_EPOCH_MS, type Layout } from "../../../src/core/layout.ts";
import { Leaser, type LeaserOptions } from "../../../src/lease/leaser.ts";
import type { LeaseStore } from "../../../src/lease/store.ts";

export const NOW = Date.UTC(2026, 0, 1);
export const TTL = 30_000;
export const CLASSIC = createLayout("classic", DEFAULT_EPOCH_MS, NOW);

/** One service instance: its own generator, registry and leaser over a (shared) store. */
export interface Instance {
  generator: SnowflakeGenerator;
  leaser: Leaser;
  registry: Registry;
}

export function instance(
  store: LeaseStore,
  clock: Clock,
  options: Partial<LeaserOptions> & { layout?: Layout } = {},
): Instance {
  const generator = new SnowflakeGenerator({ layout: options.layout ?? CLASSIC, clock });
  const registry = new Registry();
  const leaser = new Leaser({ store, generator, clock, ttlMs: TTL, registry, ...options });
  return { generator, leaser, registry };
}

/** One sample of a registered metric whose labels include `labels` (`series` picks e.g. `x_count`). */
export async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
  series = name,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === series &&
      Object.entries(labels).every(
        ([key, value]) => String((v.labels as Record<string, unknown>)[key]) === value,
      ),
  );
  return found?.value;
}

/** Whether `fn` throws an error with `code`, without issuing. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}
