import { Counter, Histogram, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { mulberry32 } from "../../scripts/lib/prng.ts";
import {
  ConfigError,
  type MetricsPushConfig,
  parseConfig,
  redactedConfig,
} from "../../src/config.ts";
import {
  encodeWriteRequest,
  MetricsPusher,
  snappyCompress,
  snapshotRegistry,
} from "../../src/metrics/remote-write/index.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type Receiver, startReceiver } from "./receiver.ts";
import { decodeWriteRequest, snappyUncompress } from "./write-request.ts";

describe("snappy block encoder", () => {
  const random = mulberry32(14);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["three bytes", new Uint8Array([1, 2, 3])],
    ["one byte repeated 200 000 times", new Uint8Array(200_000).fill(7)],
    ["random 70 000 bytes", Uint8Array.from({ length: 70_000 }, () => Math.floor(random() * 256))],
    [
      "text with near and far repeats",
      new TextEncoder().encode(
        Array.from({ length: 3000 }, (_, i) => `series_${i % 97} worker="${i % 13}" ${i}\n`).join(
          "",
        ),
      ),
    ],
  ];
  for (const [name, input] of cases) {
    it(`round-trips through an independent decoder: ${name}`, () => {
      const compressed = snappyCompress(input);
      expect(snappyUncompress(compressed)).toEqual(input);
    });
  }

  it("compresses repetitive input (long matches, 2-byte offsets)", () => {
    const [, repeated] = cases[2] as [string, Uint8Array];
    expect(snappyCompress(repeated).length).toBeLessThan(repeated.length / 20);
    const [, text] = cases[4] as [string, Uint8Array];
    expect(snappyCompress(text).length).toBeLessThan(text.length / 2);
  });
});

function sampleRegistry(): Registry {
  const registry = new Registry();
  const ids = new Counter({
    name: "snowflake_ids_generated_total",
    help: "IDs issued",
    labelNames: ["worker"],
    registers: [registry],
  });
  ids.inc({ worker: "7" }, 42);
  const latency = new Histogram({
    name: "lease_latency_seconds",
    help: "latency",
    buckets: [0.1, 1],
    registers: [registry],
  });
  latency.observe(0.5);
  return registry;
}

describe("registry snapshot and WriteRequest", () => {
  it("every sample becomes a series with sorted labels, base labels added, own labels winning", async () => {
    const base = {
      job: "edgeflake-workers",
      instance: "ab12cd34",
      runtime: "workers",
      worker: "9",
    };
    const snapshot = await snapshotRegistry(sampleRegistry(), base, 1_700_000_000_123);
    const decoded = decodeWriteRequest(encodeWriteRequest(snapshot.series, snapshot.metadata));
    const names = decoded.series.map((s) => s.labels.__name__);
    expect(names).toEqual([
      "snowflake_ids_generated_total",
      "lease_latency_seconds_bucket",
      "lease_latency_seconds_bucket",
      "lease_latency_seconds_bucket",
      "lease_latency_seconds_sum",
      "lease_latency_seconds_count",
    ]);
    const [ids, ...histogram] = decoded.series;
    expect(ids?.labels).toEqual({
      ...base,
      worker: "7",
      __name__: "snowflake_ids_generated_total",
    });
    expect(ids?.samples).toEqual([{ value: 42, timestampMs: 1_700_000_000_123 }]);
    expect(histogram.map((s) => [s.labels.le, s.samples[0]?.value])).toEqual([
      ["0.1", 0],
      ["1", 1],
      ["+Inf", 1],
      [undefined, 0.5],
      [undefined, 1],
    ]);
    for (const series of decoded.series) {
      expect(series.labelOrder).toEqual([...series.labelOrder].sort());
      expect(series.labels.worker).toBeDefined();
    }
    expect(decoded.metadata).toEqual([
      { type: 1, family: "snowflake_ids_generated_total", help: "IDs issued" },
      { type: 3, family: "lease_latency_seconds", help: "latency" },
    ]);
  });
});

describe("METRICS_PUSH_* configuration", () => {
  const now = Date.now();
  it("is off without METRICS_PUSH_URL and has defaults with it", () => {
    expect(parseConfig({}, now).metricsPush).toBeUndefined();
    expect(
      parseConfig({ METRICS_PUSH_URL: "https://prom.example/api/v1/write" }, now).metricsPush,
    ).toEqual({
      url: "https://prom.example/api/v1/write",
      authorization: undefined,
      intervalMs: 15_000,
      timeoutMs: 1_000,
      labels: {},
    });
  });

  it("reads the header value, interval, timeout and fixed labels", () => {
    const config = parseConfig(
      {
        METRICS_PUSH_URL: "http://127.0.0.1:9090/api/v1/write",
        METRICS_PUSH_AUTHORIZATION: "Bearer s3cr3t-push-token",
        METRICS_PUSH_INTERVAL_MS: "60000",
        METRICS_PUSH_TIMEOUT_MS: "250",
        METRICS_PUSH_LABELS: "region=eu-west-1,env=prod",
      },
      now,
    );
    expect(config.metricsPush).toMatchObject({
      authorization: "Bearer s3cr3t-push-token",
      intervalMs: 60_000,
      timeoutMs: 250,
      labels: { region: "eu-west-1", env: "prod" },
    });
    expect(JSON.stringify(redactedConfig(config))).not.toContain("s3cr3t");
    expect(redactedConfig(config).metricsPush).toMatchObject({ authorization: "<redacted>" });
  });

  it("names every bad variable and never prints the authorization value", () => {
    const bad = {
      METRICS_PUSH_URL: "ftp://prom.example",
      METRICS_PUSH_AUTHORIZATION: "s3cr3t-without-scheme",
      METRICS_PUSH_INTERVAL_MS: "10",
      METRICS_PUSH_TIMEOUT_MS: "60000",
      METRICS_PUSH_LABELS: "job=override",
    };
    let error: unknown;
    try {
      parseConfig(bad, now);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    for (const name of Object.keys(bad)) expect(problems.join("\n")).toContain(`${name}=`);
    expect(problems.join("\n")).not.toContain("s3cr3t");
    for (const labels of [
      "a",
      "a=",
      "1a=b",
      "__name__=x",
      "le=1",
      "a=b,,c=d",
      "a=b c",
      "a=1,a=2",
    ]) {
      expect(
        () => parseConfig({ METRICS_PUSH_URL: "http://p/w", METRICS_PUSH_LABELS: labels }, now),
        labels,
      ).toThrow(/METRICS_PUSH_LABELS/);
    }
  });
});

describe("MetricsPusher", () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  function pusher(url: string, clock: FakeClock, overrides: Partial<MetricsPushConfig> = {}) {
    const registry = sampleRegistry();
    const warnings: object[] = [];
    const logger = {
      info: () => {},
      error: () => {},
      warn: (fields: object) => warnings.push(fields),
    };
    const config = {
      url,
      authorization: undefined,
      intervalMs: 15_000,
      timeoutMs: 300,
      labels: {},
      ...overrides,
    };
    const instance = new MetricsPusher({
      config,
      registry,
      clock,
      logger,
      labels: () => ({ job: "edgeflake-test", instance: "i1", runtime: "node", worker: "7" }),
      fetch: (u, init) => fetch(u, init),
    });
    const counts = async () => {
      const json = await registry.getSingleMetric("snowflake_metrics_push_total")?.get();
      return Object.fromEntries((json?.values ?? []).map((v) => [v.labels.result, v.value]));
    };
    return { pusher: instance, warnings, counts };
  }

  it("POSTs a snappy protobuf with the remote-write headers, at most once per interval", async () => {
    receiver = await startReceiver();
    const clock = new FakeClock(1_700_000_000_000);
    const { pusher: p, counts } = pusher(receiver.url, clock, {
      authorization: "Bearer push-token-0123",
    });
    expect((await p.pushIfDue())?.result).toBe("success"); // the first push is due at once
    expect(p.pushIfDue()).toBeUndefined();
    clock.advance(14_999);
    expect(p.pushIfDue()).toBeUndefined();
    clock.advance(1);
    expect((await p.pushIfDue())?.result).toBe("success");
    expect(receiver.pushes).toHaveLength(2);
    const [first] = receiver.pushes;
    expect(first?.headers).toMatchObject({
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
      "x-prometheus-remote-write-version": "0.1.0",
      authorization: "Bearer push-token-0123",
    });
    const decoded = decodeWriteRequest(snappyUncompress(first?.body as Uint8Array));
    expect(
      decoded.series.find((s) => s.labels.__name__ === "snowflake_ids_generated_total"),
    ).toMatchObject({
      labels: { job: "edgeflake-test", instance: "i1", runtime: "node", worker: "7" },
      samples: [{ value: 42, timestampMs: 1_700_000_000_000 }],
    });
    expect(p.last).toMatchObject({ result: "success", status: 204, bytes: first?.body.length });
    expect(await counts()).toEqual({ success: 2, error: 0, timeout: 0 });
  });

  it("a refusing, down or hanging receiver: counted, bounded by the timeout, logged once per interval", async () => {
    receiver = await startReceiver();
    const clock = new FakeClock(1_700_000_000_000);
    const { pusher: p, warnings, counts } = pusher(receiver.url, clock, { timeoutMs: 300 });

    receiver.mode = 500;
    expect(await p.push()).toMatchObject({ result: "error", status: 500 });
    receiver.mode = "hang";
    const started = performance.now();
    const hung = await p.push();
    const elapsed = performance.now() - started;
    expect(hung.result).toBe("timeout");
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);

    const down = pusher("http://127.0.0.1:1/api/v1/write", clock);
    expect((await down.pusher.push()).result).toBe("error");
    expect(await down.counts()).toEqual({ success: 0, error: 1, timeout: 0 });

    expect(await counts()).toEqual({ success: 0, error: 1, timeout: 1 });
    expect(warnings).toHaveLength(1); // two failures within one interval: one line
    expect(warnings[0]).toMatchObject({ result: "error", status: 500, failures: 1 });
    clock.advance(15_000);
    await p.push();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ result: "timeout", failures: 2 });
  });
});
