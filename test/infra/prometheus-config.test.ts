// Prometheus configuration and rules, checked by promtool and by reading them: valid config, valid
// rules, rule unit tests pass, every alert is tested both ways and documented in the runbook.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { PRESETS } from "../../src/core/layout.ts";
import {
  alertRules,
  dashboardQueries,
  readRepoFile,
  readYaml,
  repoPath,
  requireTools,
  ruleQueries,
  run,
  scrapeJob,
} from "./support.ts";

const CONFIG = "infra/prometheus/prometheus.yml";
const RULES = "infra/prometheus/rules.yml";
const RULE_TESTS = "infra/prometheus/rules.test.yml";

const config = readYaml(CONFIG);
const rules = readYaml(RULES);
const ruleTests = readYaml(RULE_TESTS);
const alerts = alertRules(rules);

const tempDir = mkdtempSync(join(tmpdir(), "edgeflake-promtool-"));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

// The alerts the issue names; more are allowed.
const REQUIRED_ALERTS = [
  "SnowflakeClockDrift",
  "SnowflakeHighLoad",
  "SnowflakeLowThroughput",
  "SnowflakeLeaseExpiring",
  "SnowflakeInstanceDown",
  "SnowflakeDuplicateWorker",
  "SnowflakeHighWaitTime",
];

describe.runIf(requireTools("promtool"))("promtool", () => {
  it("check config accepts prometheus.yml (and the rule files it loads)", () => {
    const direct = run("promtool", ["check", "config", repoPath(CONFIG)]);
    if (direct.code === 0) return;
    // Debian's Prometheus build leaves Kubernetes discovery out ("field kubernetes_sd_configs not
    // found"). Then check everything else: the same file with that one block swapped for file
    // discovery (relabel rules unchanged). The live test runs those relabel rules for real.
    expect(direct.output).toMatch(/field kubernetes_sd_configs not found/);
    const copy = structuredClone(config);
    for (const job of copy.scrape_configs) {
      if (!job.kubernetes_sd_configs) continue;
      delete job.kubernetes_sd_configs;
      job.file_sd_configs = [{ files: [join(tempDir, "pods.json")] }];
    }
    copy.rule_files = copy.rule_files.map((file: string) => repoPath("infra/prometheus", file));
    const path = join(tempDir, "prometheus.yml");
    writeFileSync(path, stringify(copy));
    const result = run("promtool", ["check", "config", path]);
    expect(result.code, result.output).toBe(0);
  });

  it("check rules accepts rules.yml", () => {
    const result = run("promtool", ["check", "rules", repoPath(RULES)]);
    expect(result.code, result.output).toBe(0);
  });

  it("the rule unit tests in rules.test.yml pass", () => {
    const result = run("promtool", ["test", "rules", repoPath(RULE_TESTS)]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
  });
});

describe("scrape configuration", () => {
  it("loads rules.yml", () => {
    expect(config.rule_files).toEqual(["rules.yml"]);
  });

  it("the compose job scrapes static targets with no relabel rule that could drop them", () => {
    const job = scrapeJob(config, "edgeflake-compose");
    expect(job.static_configs?.[0]?.targets?.length).toBeGreaterThan(0);
    expect(job.kubernetes_sd_configs).toBeUndefined();
    const filters = (job.relabel_configs ?? []).filter((r: { action?: string }) =>
      ["keep", "drop", "keepequal", "dropequal"].includes(r.action ?? ""),
    );
    expect(filters).toEqual([]);
  });

  it("the Kubernetes job discovers pods, keeps app=edgeflake opted-in pods and honours the annotations", () => {
    const job = scrapeJob(config, "edgeflake-kubernetes");
    expect(job.static_configs).toBeUndefined();
    expect(job.kubernetes_sd_configs).toEqual([{ role: "pod" }]);
    const relabel: {
      source_labels?: string[];
      regex?: string;
      action?: string;
      target_label?: string;
    }[] = job.relabel_configs;
    const keeps = relabel.filter((r) => r.action === "keep");
    expect(keeps).toContainEqual({
      source_labels: ["__meta_kubernetes_pod_label_app"],
      regex: "edgeflake",
      action: "keep",
    });
    expect(keeps).toContainEqual({
      source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
      regex: "true",
      action: "keep",
    });
    const targets = new Set(relabel.map((r) => r.target_label));
    for (const label of ["__metrics_path__", "__address__", "__scheme__"])
      expect(targets).toContain(label);
  });

  it('every job name matches the SnowflakeInstanceDown selector job=~"edgeflake.*"', () => {
    for (const job of config.scrape_configs) expect(job.job_name).toMatch(/^edgeflake.*$/);
  });
});

describe("alerting rules", () => {
  it("has the issue's alerts", () => {
    const names = alerts.map((a) => a.alert);
    for (const name of REQUIRED_ALERTS) expect(names).toContain(name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("every alert has a severity, a summary, a description and a runbook link", () => {
    for (const alert of alerts) {
      expect(["info", "warning", "critical"], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
      expect(alert.annotations?.runbook_url, alert.alert).toBe(
        `docs/OPERATIONS.md#${alert.alert.toLowerCase()}`,
      );
    }
  });

  it("every runbook link points at a heading of docs/OPERATIONS.md", () => {
    const anchors = new Set(
      readRepoFile("docs/OPERATIONS.md")
        .split("\n")
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) =>
          line
            .replace(/^#+ /, "")
            .trim()
            .toLowerCase()
            .replace(/[^\w\- ]/g, "")
            .replace(/ /g, "-"),
        ),
    );
    for (const alert of alerts) {
      const anchor = String(alert.annotations.runbook_url).split("#")[1];
      expect(anchors, alert.alert).toContain(anchor);
    }
  });

  it("per-worker alerts keep the worker label (aggregated with `by (... worker ...)`)", () => {
    for (const alert of alerts) {
      // Per target (`up`) and per job (HTTP metrics): no worker label to keep.
      // Per pushing job and per lease namespace (edgeflake-push group): no single worker either.
      const perJob = [
        "SnowflakePushesStopped",
        "SnowflakePushFailing",
        "SnowflakeLeasePoolNearlyExhausted",
      ];
      if (["SnowflakeInstanceDown", "SnowflakeErrorBudgetBurn", ...perJob].includes(alert.alert))
        continue;
      expect(String(alert.expr), alert.alert).toMatch(/\bby \([^)]*\bworker\b[^)]*\)/);
    }
  });

  it("uses the thresholds documented in docs/OPERATIONS.md", () => {
    const expr = (name: string) => String(alerts.find((a) => a.alert === name)?.expr).trim();
    // 80% of the worker's layout cap (3,276,800 IDs/s for classic's 4,096,000).
    expect(expr("SnowflakeHighLoad")).toMatch(
      /> 0\.8 \* max by \(worker\) \(worker:snowflake_capacity_ids_per_second:max\)$/,
    );
    expect(expr("SnowflakeLowThroughput")).toMatch(/< 1$/);
    expect(expr("SnowflakeHighWaitTime")).toMatch(/> 100$/);
    expect(expr("SnowflakeInstanceDown")).toBe('up{job=~"edgeflake.*"} == 0');
    expect(expr("SnowflakeDuplicateWorker")).toBe(
      "count by (worker) (snowflake_generator_info) > 1",
    );
  });

  it("the capacity rule's preset caps are 2^sequence bits IDs per tick of each layout preset", () => {
    const capacity = rules.groups
      .flatMap((g: { rules: { record?: string; expr: string }[] }) => g.rules)
      .find(
        (r: { record?: string }) => r.record === "worker:snowflake_capacity_ids_per_second:max",
      );
    const expr = String(capacity?.expr);
    // Any layout: the service's own gauge first.
    expect(expr).toMatch(/^max by \(job, worker\) \(snowflake_layout_capacity_ids_per_second\)/);
    const presets = [
      ...expr.matchAll(
        /(\d+) \* max by \(job, worker\) \(snowflake_generator_info\{layout="(\w+)"\}\)/g,
      ),
    ].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(presets)).toEqual(
      Object.fromEntries(
        Object.entries(PRESETS).map(([name, spec]) => [
          name,
          (2 ** spec.sequenceBits * 1000) / spec.unitMs,
        ]),
      ),
    );
    expect(Object.fromEntries(presets).classic).toBe(4_096_000);
  });

  it("no expression uses the invalid `rate(x[1m]) by (worker)` form", () => {
    const dashboard = JSON.parse(readRepoFile("infra/grafana/dashboards/edgeflake.json"));
    for (const { where, expr } of [...ruleQueries(rules), ...dashboardQueries(dashboard)]) {
      expect(expr, where).not.toMatch(/\)\s*by\s*\(/);
    }
  });
});

describe("rule unit tests", () => {
  // biome-ignore lint/suspicious/noExplicitAny: promtool's test file format, walked dynamically
  const cases: { alertname: string; exp_alerts?: any[] }[] = ruleTests.tests.flatMap(
    (t: { alert_rule_test?: unknown[] }) => t.alert_rule_test ?? [],
  );

  it("load rules.yml", () => {
    expect(ruleTests.rule_files).toEqual(["rules.yml"]);
  });

  it("cover every alert with a firing and a non-firing case", () => {
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} has no firing case`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} has no non-firing case`,
      ).toBe(true);
    }
  });

  it("cover every recording rule", () => {
    const tested = new Set(
      ruleTests.tests.flatMap((t: { promql_expr_test?: { expr: string }[] }) =>
        (t.promql_expr_test ?? []).map((e) => e.expr),
      ),
    );
    const records = rules.groups.flatMap((g: { rules: { record?: string }[] }) =>
      g.rules.filter((r) => r.record).map((r) => r.record),
    );
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(tested, record).toContain(record);
  });
});
