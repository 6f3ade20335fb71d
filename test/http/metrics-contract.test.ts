// Every metric a service registers comes from src/metrics/contract.ts: same name, help, type and
// label names, each defined once, in static mode and with leasing.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { MemoryLeaseStore } from "../../src/lease/memory-store.ts";
import { silentLogger } from "../../src/log.ts";
import { METRIC_CONTRACT } from "../../src/metrics/contract.ts";
import { createService } from "../../src/service.ts";
import { systemClock } from "../../src/system-clock.ts";
import { createLazyLeasedService } from "../../src/targets/lazy-lease.ts";

const options = {
  clock: systemClock,
  logger: silentLogger,
  runtime: "node",
  version: "t",
} as const;

function staticService() {
  return createService(parseConfig({ WORKER_ID: "1" }, Date.now()), options);
}

async function leasedService() {
  const config = parseConfig({ LEASE_TABLE: "leases" }, Date.now());
  const service = createLazyLeasedService(config, {
    ...options,
    info: { host: "test", runtime: "node" },
    store: new MemoryLeaseStore(),
  });
  expect((await service.fetch(new Request("http://local/generate"))).status).toBe(200);
  return service;
}

describe("the metrics contract", () => {
  it("names every metric once", () => {
    const names = METRIC_CONTRACT.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    ["static", async () => staticService()],
    ["leasing", leasedService],
  ])("%s: each registered metric is the contract's (help, type, labels)", async (_, build) => {
    const { app, registry } = await build();
    await app.request("/generate");
    const byName = new Map(METRIC_CONTRACT.map((m) => [m.name, m]));
    const exposed = await registry.getMetricsAsJSON();
    expect(exposed.length).toBeGreaterThan(8);
    for (const metric of exposed) {
      const spec = byName.get(metric.name);
      expect(spec, metric.name).toBeDefined();
      expect(metric.help).toBe(spec?.help);
      expect(metric.type).toBe(spec?.type);
      for (const value of metric.values) {
        const labels = Object.keys(value.labels).filter((l) => l !== "le");
        expect(
          labels.every((l) => spec?.labelNames.includes(l)),
          `${metric.name} ${labels}`,
        ).toBe(true);
      }
    }
    const text = await registry.metrics();
    expect(text.match(/^# HELP snowflake_lease_state /gm)).toHaveLength(1);
  });
});

describe("snowflake_layout_capacity_ids_per_second", () => {
  it.each([
    ["classic", 4_096_000],
    ["sonyflake", 25_600],
    ["custom:44/10/9/1", 512_000],
    ["custom:40/10/13/20", 409_600],
  ])("%s: 2^sequence bits IDs per tick, per second", async (layout, perSecond) => {
    const config = parseConfig({ WORKER_ID: "3", LAYOUT: layout }, Date.now());
    const { registry } = createService(config, options);
    const text = await registry.metrics();
    expect(text).toContain(`snowflake_layout_capacity_ids_per_second{worker="3"} ${perSecond}\n`);
  });
});
