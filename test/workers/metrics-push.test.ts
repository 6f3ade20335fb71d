// Workers isolates in workerd push to the real Prometheus global-setup.ts started (remote-write
// receiver on): the pushed counters add up to the IDs issued, each isolate under its own instance
// with its lease's worker label. A receiver that hangs or is down never delays an answer.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS, decodeId } from "../../src/core/index.ts";
import { createWorkerHandler, type WorkerHandler } from "../../src/targets/worker.ts";
import { promQuery } from "../metrics/prom-query.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type FetchLike, workerFetch } from "./support.ts";

const prometheusUrl = String(env.TEST_PROMETHEUS_URL ?? "");
const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
const SEED_METRICS = [
  "snowflake_ids_generated_total",
  "snowflake_clock_backward_total",
  "snowflake_clock_backward_errors_total",
  "snowflake_sequence_overflow_total",
  "snowflake_wait_time_microseconds_total",
  "snowflake_avg_wait_microseconds",
  "snowflake_generator_info",
];

const namespaced = (extra: Record<string, string>) => ({
  ...env,
  LEASE_NAMESPACE: `push-${crypto.randomUUID().slice(0, 8)}`,
  ...extra,
});

async function issue(fetch: FetchLike, count: number): Promise<number> {
  const response = await fetch(`/generate?count=${count}`);
  expect(response.status).toBe(200);
  const { ids } = (await response.json()) as { ids: string[] };
  expect(ids).toHaveLength(count);
  return decodeId(BigInt(ids[0] as string), layout).workerId;
}

describe.runIf(prometheusUrl !== "")("Workers isolates push to a real Prometheus", () => {
  it('sum(snowflake_ids_generated_total{runtime="workers"}) equals the IDs issued; seed metrics carry each isolate\'s worker', async () => {
    // A minute of simulated traffic ending about now (samples carry the isolate's clock).
    const clock = new FakeClock(Date.now() - 60_000);
    const bindings = namespaced({
      METRICS_PUSH_URL: `${prometheusUrl}/api/v1/write`,
      METRICS_PUSH_LABELS: "region=test-1",
    });
    const isolates = [0, 1].map(() => workerFetch(createWorkerHandler({ clock }), bindings));
    const issued = new Map<number, number>();
    for (let round = 0; round < 8; round++) {
      for (const [i, fetch] of isolates.entries()) {
        const count = 5 + 3 * round + i;
        const worker = await issue(fetch, count);
        issued.set(worker, (issued.get(worker) ?? 0) + count);
      }
      clock.advance(5_000); // pushes are due every 15 s: some requests push, most do not
    }
    clock.advance(15_000);
    for (const fetch of isolates) expect((await fetch("/health")).status).toBe(200); // last push
    const query = (expr: string) => promQuery(prometheusUrl, expr, clock.ms / 1000);

    const total = [...issued.values()].reduce((a, b) => a + b, 0);
    const [sum] = await query('sum(snowflake_ids_generated_total{runtime="workers"})');
    expect(Number(sum?.value[1])).toBe(total);
    expect(issued.size).toBe(2);
    for (const name of SEED_METRICS) {
      const series = await query(`${name}{runtime="workers"}`);
      expect(series, name).toHaveLength(2);
      expect(new Set(series.map((s) => s.metric.instance)).size, name).toBe(2);
      for (const { metric } of series) {
        expect(metric, name).toMatchObject({ job: "edgeflake-workers", region: "test-1" });
        expect(issued.has(Number(metric.worker)), `${name} worker ${metric.worker}`).toBe(true);
      }
    }
    const byWorker = await query(
      'sum by (worker) (snowflake_ids_generated_total{runtime="workers"})',
    );
    expect(
      Object.fromEntries(byWorker.map((s) => [Number(s.metric.worker), Number(s.value[1])])),
    ).toEqual(Object.fromEntries(issued));
    const held = await query('snowflake_lease_state{runtime="workers",state="held"} == 1');
    expect(held).toHaveLength(2);
    const pushes = await query(
      'sum(snowflake_metrics_push_total{runtime="workers",result="success"})',
    );
    expect(Number(pushes[0]?.value[1])).toBeGreaterThan(0);
  });
});

/** One request the way the runtime runs it: when the answer came, and when waitUntil work ended. */
async function timedRequest(
  handler: WorkerHandler,
  bindings: Record<string, unknown>,
  path: string,
) {
  const ctx = createExecutionContext();
  const started = performance.now();
  const response = await handler.fetch(
    new Request(new URL(path, "http://edgeflake.test")),
    bindings,
    ctx,
  );
  const answeredMs = performance.now() - started;
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return { status: response.status, answeredMs, settledMs: performance.now() - started };
}

describe("Workers with a receiver that hangs or is down", () => {
  it("a hanging receiver: answers do not wait for the push, which times out in waitUntil and is counted", async () => {
    const clock = new FakeClock(Date.now());
    const handler = createWorkerHandler({ clock });
    const bindings = namespaced({
      METRICS_PUSH_URL: String(env.TEST_HANGING_PUSH_URL),
      METRICS_PUSH_TIMEOUT_MS: "1000",
    });
    const first = await timedRequest(handler, bindings, "/generate?count=5"); // acquires, pushes
    expect(first.status).toBe(200);
    expect(first.settledMs).toBeGreaterThanOrEqual(990);
    clock.advance(15_000);
    const second = await timedRequest(handler, bindings, "/generate?count=5");
    expect(second.status).toBe(200);
    expect(second.answeredMs).toBeLessThan(250);
    expect(second.settledMs).toBeGreaterThanOrEqual(990);
    expect(second.settledMs).toBeLessThan(3_000);
    const metrics = await (await workerFetch(handler, bindings)("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_metrics_push_total\{result="timeout"\} 2$/m);
    expect(metrics).toMatch(/^snowflake_metrics_push_total\{result="success"\} 0$/m);
  });

  it("a receiver that is down: every request answers, failures counted", async () => {
    const clock = new FakeClock(Date.now());
    const handler = createWorkerHandler({ clock });
    const bindings = namespaced({ METRICS_PUSH_URL: "http://127.0.0.1:1/api/v1/write" });
    for (let i = 0; i < 3; i++) {
      const { status } = await timedRequest(handler, bindings, "/generate?count=2");
      expect(status).toBe(200);
      clock.advance(15_000);
    }
    const metrics = await (await workerFetch(handler, bindings)("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_metrics_push_total\{result="error"\} 3$/m);
    expect(metrics).toMatch(/^snowflake_ids_generated_total\{worker="\d+"\} 6$/m);
  });
});
