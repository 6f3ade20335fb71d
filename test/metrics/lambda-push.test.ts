// Lambda execution environments push to a real Prometheus (Debian's, remote-write receiver on):
// freezes are simulated with a fake clock as in test/lambda/, the pushed counters add up to the IDs
// issued, and the dashboard and rule queries work on the pushed series.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS, decodeId } from "../../src/core/index.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/index.ts";
import { createLambdaHandler } from "../../src/targets/lambda.ts";
import {
  dashboardQueries,
  readRepoFile,
  readYaml,
  requireTools,
  ruleQueries,
  substituteGrafanaVariables,
  variableSelectors,
  waitFor,
} from "../infra/support.ts";
import { type FetchLike, lambdaFetch } from "../lambda/events.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { promQuery } from "./prom-query.ts";
import { type PushReceiver, startPrometheusReceiver } from "./prometheus.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

const SEED_METRICS = [
  "snowflake_ids_generated_total",
  "snowflake_clock_backward_total",
  "snowflake_clock_backward_errors_total",
  "snowflake_sequence_overflow_total",
  "snowflake_wait_time_microseconds_total",
  "snowflake_avg_wait_microseconds",
  "snowflake_generator_info",
];
const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
const dashboard = JSON.parse(readRepoFile("infra/grafana/dashboards/edgeflake.json"));
const rules = readYaml("infra/prometheus/rules.yml");

async function issue(fetch: FetchLike, count: number): Promise<number> {
  const response = await fetch(`/generate?count=${count}`);
  expect(response.status).toBe(200);
  const { ids } = (await response.json()) as { ids: string[] };
  expect(ids).toHaveLength(count);
  return decodeId(BigInt(ids[0] as string), layout).workerId;
}

describe.runIf(requireTools("prometheus"))("Lambda pushes to a real Prometheus", () => {
  let prometheus: PushReceiver;
  // Four minutes of simulated invocations ending now, so rates and the 5 min lookback see them.
  const clock = new FakeClock(Date.now() - 240_000);
  const issued = new Map<number, number>(); // worker ID -> IDs issued
  const env = () => ({
    LEASE_TABLE: "unused-with-a-store",
    LEASE_TTL_MS: "60000",
    LOG_LEVEL: "silent",
    METRICS_PUSH_URL: prometheus.writeUrl,
    METRICS_PUSH_LABELS: "region=test-1",
  });
  const at = () => clock.ms / 1000;
  const query = (expr: string) => promQuery(prometheus.url, expr, at());

  beforeAll(async () => {
    prometheus = await startPrometheusReceiver();
    const table = new MemoryLeaseTable();
    const environments = [0, 1].map(() =>
      lambdaFetch(
        createLambdaHandler(env(), { clock, store: new MemoryLeaseStore("edgeflake", table) }),
        "v2",
      ),
    );
    // Frozen 20 s between invocations (a push is due each time), once past the lease's TTL.
    for (const [step, frozenMs] of [20, 20, 20, 70, 20, 20, 20, 20, 30].map((s, i) => [
      i,
      s * 1000,
    ])) {
      clock.advance(frozenMs as number);
      for (const [i, fetch] of environments.entries()) {
        const count = 10 + 7 * (step as number) + i;
        const worker = await issue(fetch, count);
        issued.set(worker, (issued.get(worker) ?? 0) + count);
      }
    }
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('sum(snowflake_ids_generated_total{runtime="lambda"}) equals the IDs issued', async () => {
    const total = [...issued.values()].reduce((a, b) => a + b, 0);
    const [sum] = await query('sum(snowflake_ids_generated_total{runtime="lambda"})');
    expect(Number(sum?.value[1])).toBe(total);
    const byWorker = await query(
      'sum by (worker) (snowflake_ids_generated_total{runtime="lambda"})',
    );
    expect(
      Object.fromEntries(byWorker.map((s) => [Number(s.metric.worker), Number(s.value[1])])),
    ).toEqual(Object.fromEntries(issued));
  });

  it("every seed metric, the lease and HTTP metrics arrive per environment with worker, instance, job and fixed labels", async () => {
    for (const name of [
      ...SEED_METRICS,
      "snowflake_lease_state",
      "snowflake_lease_expires_in_seconds",
      "snowflake_lease_acquisitions_total",
      "snowflake_lease_pool_worker_ids",
      "http_requests_total",
      "http_request_duration_seconds_bucket",
      "snowflake_metrics_push_total",
    ]) {
      const series = await query(`${name}{runtime="lambda"}`);
      expect(series.length, name).toBeGreaterThan(0);
      for (const { metric } of series) {
        expect(metric, name).toMatchObject({ job: "edgeflake-lambda", region: "test-1" });
        expect(metric.instance, name).toMatch(/^[0-9a-f]{8}$/);
        expect(issued.has(Number(metric.worker)), `${name} worker ${metric.worker}`).toBe(true);
      }
      if (SEED_METRICS.includes(name)) {
        expect(new Set(series.map((s) => s.metric.instance)).size, name).toBe(2);
      }
    }
    const [info] = await query('snowflake_generator_info{runtime="lambda"}');
    expect(info?.metric).toMatchObject({ layout: "classic", version: expect.any(String) });
  });

  it("the dashboard's queries (runtime=lambda) and the rules run on pushed series; the main panels have data", async () => {
    // Recording rules are evaluated by this Prometheus at real time: wait for their first results.
    await waitFor(
      "the recording rules over pushed series",
      async () => {
        const rows = await promQuery(
          prometheus.url,
          'worker:snowflake_ids_generated:rate1m{job="edgeflake-lambda"}',
        );
        return rows.length === 2 ? rows : undefined;
      },
      20_000,
    );
    // What Grafana sends with runtime=lambda: the job variable's "All" is that runtime's jobs.
    const jobs = await promQuery(
      prometheus.url,
      'group by (job) (snowflake_generator_info{runtime="lambda"})',
    );
    expect(jobs.map((j) => j.metric.job)).toEqual(["edgeflake-lambda"]);
    const lambdaOnly = (expr: string) =>
      substituteGrafanaVariables(
        expr.replaceAll("$runtime", "lambda").replaceAll("$job", "(edgeflake-lambda)"),
      );
    const emptyPanels = async () => {
      const empty: string[] = [];
      for (const { where, expr } of [
        ...dashboardQueries(dashboard),
        ...variableSelectors(dashboard),
      ]) {
        // At the real time: the recording rules' results are stamped with it.
        const result = await promQuery(prometheus.url, lambdaOnly(expr));
        if (result.length === 0) empty.push(where);
      }
      // Process metrics exist on Node only; everything else has pushed data.
      return empty.filter((where) => !/CPU|Resident memory|Event loop/.test(where));
    };
    // The rule groups are evaluated on their own schedules: a panel over a rule of another group
    // than the one waited for above may have its first result a moment later.
    let empty: string[] = [];
    await waitFor(
      "data behind every panel",
      async () => {
        empty = await emptyPanels();
        return empty.length === 0 ? empty : undefined;
      },
      20_000,
      () => `still empty: ${empty.join(", ")}`,
    ).catch(() => undefined);
    expect(empty).toEqual([]);
    for (const { where, expr } of ruleQueries(rules)) {
      await expect(promQuery(prometheus.url, expr), where).resolves.toBeDefined();
    }
  });

  it("the lease-pool query counts both environments' live leases against 1024 worker IDs", async () => {
    const recorded = (expr: string) =>
      waitFor(expr, async () => (await promQuery(prometheus.url, expr))[0], 20_000);
    const live = await recorded('namespace:snowflake_live_leases:count{namespace="edgeflake"}');
    expect(Number(live?.value[1])).toBe(2);
    const pool = await recorded("namespace:snowflake_lease_pool_worker_ids:max");
    expect(Number(pool?.value[1])).toBe(1024);
  });
});

describe("Lambda with a receiver that is down or slow", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("a hanging receiver adds at most the push timeout to the invocation that pushes, and is counted", async () => {
    receiver.mode = "hang";
    const clock = new FakeClock(Date.now());
    const fetch = lambdaFetch(
      createLambdaHandler(
        {
          WORKER_ID: "5",
          LOG_LEVEL: "silent",
          METRICS_PUSH_URL: receiver.url,
          METRICS_PUSH_TIMEOUT_MS: "200",
        },
        { clock },
      ),
      "v2",
    );
    const timed = async () => {
      const started = performance.now();
      await issue(fetch, 3);
      return performance.now() - started;
    };
    const pushing = await timed(); // the first invocation pushes
    const quiet = await timed(); // within the interval: no push
    clock.advance(15_000);
    const pushingAgain = await timed();
    expect(pushing).toBeGreaterThanOrEqual(190);
    expect(pushing).toBeLessThan(1_000);
    expect(pushingAgain).toBeLessThan(1_000);
    expect(quiet).toBeLessThan(150);
    const metrics = await (await fetch("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_metrics_push_total\{result="timeout"\} 2$/m);
  });

  it("a receiver that is down: every invocation answers, failures counted", async () => {
    const clock = new FakeClock(Date.now());
    const fetch = lambdaFetch(
      createLambdaHandler(
        {
          WORKER_ID: "6",
          LOG_LEVEL: "silent",
          METRICS_PUSH_URL: "http://127.0.0.1:1/api/v1/write",
        },
        { clock },
      ),
      "v2",
    );
    for (let i = 0; i < 3; i++) {
      await issue(fetch, 2);
      clock.advance(15_000);
    }
    const metrics = await (await fetch("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_metrics_push_total\{result="error"\} 3$/m);
    expect(metrics).toMatch(/^snowflake_ids_generated_total\{worker="6"\} 6$/m);
  });
});
