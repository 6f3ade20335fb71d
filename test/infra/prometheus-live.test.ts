// A real Prometheus (Debian's build) scraping two real edgeflake Node servers with rules.yml
// loaded. The scrape jobs are the ones in infra/prometheus/prometheus.yml with their targets
// pointed at the test servers: the compose job's static target, and the Kubernetes job's relabel
// rules fed by file discovery with the labels pod discovery would set (this build of Prometheus has
// no Kubernetes discovery; the relabel rules are what matters). Every dashboard and rule expression
// is then evaluated through the HTTP API.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { dockerfile, execForm } from "./deploy-files.ts";
import {
  dashboardQueries,
  freePort,
  type Managed,
  parseYamlDocuments,
  readRepoFile,
  readYaml,
  repoPath,
  requireTools,
  ruleQueries,
  scrapeJob,
  startProcess,
  stopProcess,
  substituteGrafanaVariables,
  variableSelectors,
  waitFor,
} from "./support.ts";

const WORKERS = ["1", "2"];

interface PromResponse<T> {
  status: "success" | "error";
  error?: string;
  data: T;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface Target {
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

describe.runIf(requireTools("prometheus"))(
  "a real Prometheus scraping real edgeflake servers",
  () => {
    const tempDir = mkdtempSync(join(tmpdir(), "edgeflake-prometheus-"));
    const servers: Managed[] = [];
    const serverPorts: number[] = [];
    let prometheus: Managed | undefined;
    let prometheusUrl = "";
    const k8sPod = parseYamlDocuments(readRepoFile("infra/k8s/deployment.yaml"))[0].spec.template;

    async function api<T>(path: string): Promise<T> {
      const response = await fetch(`${prometheusUrl}${path}`);
      const body = (await response.json()) as PromResponse<T>;
      if (body.status !== "success") throw new Error(`${path}: ${body.error}`);
      return body.data;
    }
    const query = (expr: string) =>
      api<{ resultType: string; result: Sample[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
    const logs = () =>
      [
        `--- prometheus ---\n${prometheus?.output() ?? ""}`,
        ...servers.map((s, i) => `--- server ${i} ---\n${s.output()}`),
      ].join("\n");

    beforeAll(async () => {
      // Two servers with distinct static worker IDs, started the way the image starts them.
      const cmd = execForm(dockerfile().findLast((i) => i.keyword === "CMD")?.args ?? "");
      for (const worker of WORKERS) {
        const port = await freePort();
        const server = startProcess(process.execPath, cmd.slice(1), {
          PORT: String(port),
          HOST: "127.0.0.1",
          WORKER_ID: worker,
          DEMO_LOAD: "2000",
          LOG_LEVEL: "info",
        });
        servers.push(server);
        serverPorts.push(port);
      }
      await Promise.all(
        servers.map((server, i) =>
          waitFor(
            `server ${i} to listen`,
            async () => (/"msg":"listening"/.test(server.output()) ? true : undefined),
            15_000,
            logs,
          ),
        ),
      );

      // The repository's scrape jobs, pointed at the test servers; 1 s intervals.
      const config = readYaml("infra/prometheus/prometheus.yml");
      const compose = scrapeJob(config, "edgeflake-compose");
      compose.static_configs = [
        { targets: [`127.0.0.1:${serverPorts[0]}`], labels: compose.static_configs[0].labels },
      ];
      const kubernetes = scrapeJob(config, "edgeflake-kubernetes");
      delete kubernetes.kubernetes_sd_configs;
      const podsFile = join(tempDir, "pods.json");
      kubernetes.file_sd_configs = [{ files: [podsFile], refresh_interval: "1s" }];
      // Pod discovery's meta labels, names sanitised as Prometheus does (`app.kubernetes.io/name`
      // becomes `app_kubernetes_io_name`).
      const meta = (prefix: string, entries: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(entries).map(([k, v]) => [`${prefix}${k.replace(/[^\w]/g, "_")}`, v]),
        );
      const pod = (
        name: string,
        labels: Record<string, string>,
        annotations: Record<string, string>,
      ) => ({
        // Pod discovery's address: pod IP and a container port (the relabel rules replace the port).
        targets: [`127.0.0.1:${serverPorts[1]}`],
        labels: {
          __meta_kubernetes_namespace: "default",
          __meta_kubernetes_pod_name: name,
          __meta_kubernetes_pod_ip: "127.0.0.1",
          __meta_kubernetes_pod_node_name: "node-a",
          ...meta("__meta_kubernetes_pod_label_", labels),
          ...meta("__meta_kubernetes_pod_annotation_", annotations),
        },
      });
      const annotations = {
        ...k8sPod.metadata.annotations,
        "prometheus.io/port": String(serverPorts[1]),
      };
      writeFileSync(
        podsFile,
        JSON.stringify([
          pod("edgeflake-abc", k8sPod.metadata.labels, annotations),
          pod("other-app", { app: "other" }, annotations),
          pod("edgeflake-optout", k8sPod.metadata.labels, {
            ...annotations,
            "prometheus.io/scrape": "false",
          }),
        ]),
      );
      config.global = { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" };
      config.rule_files = [repoPath("infra/prometheus/rules.yml")];
      const configFile = join(tempDir, "prometheus.yml");
      writeFileSync(configFile, stringify(config));

      const port = await freePort();
      prometheusUrl = `http://127.0.0.1:${port}`;
      prometheus = startProcess(
        "prometheus",
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(tempDir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
          "--log.level=warn",
        ],
        {},
        tempDir,
      );
      await waitFor(
        "Prometheus to be ready",
        async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined),
        20_000,
        logs,
      );
      // Discovery hands targets over in batches (every 5 s), then two scrapes make a rate.
      await waitFor(
        "both workers' generation rate",
        async () => {
          const { result } = await query("worker:snowflake_ids_generated:rate1m > 0");
          return result.length === WORKERS.length ? true : undefined;
        },
        30_000,
        logs,
      );
    });

    afterAll(async () => {
      await Promise.all([stopProcess(prometheus), ...servers.map((s) => stopProcess(s))]);
      rmSync(tempDir, { recursive: true, force: true });
    });

    it("scrapes both jobs' targets, up", async () => {
      const { activeTargets } = await api<{ activeTargets: Target[] }>(
        "/api/v1/targets?state=active",
      );
      expect(activeTargets.map((t) => t.labels.job).sort()).toEqual([
        "edgeflake-compose",
        "edgeflake-kubernetes",
      ]);
      for (const target of activeTargets)
        expect(target.health, `${target.scrapeUrl}: ${target.lastError}`).toBe("up");
      const { result } = await query('up{job=~"edgeflake.*"}');
      expect(result.map((s) => s.value[1])).toEqual(["1", "1"]);
    });

    it("the Kubernetes job keeps only opted-in app=edgeflake pods, at the annotated port and path", async () => {
      const { activeTargets, droppedTargets } = await api<{
        activeTargets: Target[];
        droppedTargets: Target[];
      }>("/api/v1/targets");
      const pod = activeTargets.find((t) => t.labels.job === "edgeflake-kubernetes");
      expect(pod?.scrapeUrl).toBe(
        `http://127.0.0.1:${serverPorts[1]}${k8sPod.metadata.annotations["prometheus.io/path"]}`,
      );
      expect(pod?.labels).toMatchObject({
        namespace: "default",
        pod: "edgeflake-abc",
        node: "node-a",
      });
      const dropped = droppedTargets
        .map((t) => t.discoveredLabels.__meta_kubernetes_pod_name)
        .sort();
      expect(dropped).toEqual(["edgeflake-optout", "other-app"]);
    });

    it("every rule evaluates without error", async () => {
      type Rule = { name: string; health: string; lastError?: string; lastEvaluation: string };
      const groups = await waitFor(
        "every rule to be evaluated",
        async () => {
          const data = await api<{ groups: { rules: Rule[] }[] }>("/api/v1/rules");
          const rules = data.groups.flatMap((g) => g.rules);
          return rules.every((r) => !r.lastEvaluation.startsWith("0001")) ? rules : undefined;
        },
        10_000,
      );
      const expected = ruleQueries(readYaml("infra/prometheus/rules.yml")).length;
      expect(groups).toHaveLength(expected);
      for (const rule of groups) expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe("ok");
    });

    it("every rule expression runs through the query API", async () => {
      for (const { where, expr } of ruleQueries(readYaml("infra/prometheus/rules.yml"))) {
        await expect(query(expr), where).resolves.toBeDefined();
      }
    });

    it("every dashboard expression and variable query runs through the query API", async () => {
      const dashboard = JSON.parse(readRepoFile("infra/grafana/dashboards/edgeflake.json"));
      const queries = [...dashboardQueries(dashboard), ...variableSelectors(dashboard)];
      expect(queries.length).toBeGreaterThan(20);
      for (const { where, expr } of queries) {
        await expect(
          query(substituteGrafanaVariables(expr)),
          `${where}: ${expr}`,
        ).resolves.toBeDefined();
      }
    });

    it("the dashboard's generation-rate queries are above zero for each worker", async () => {
      const dashboard = JSON.parse(readRepoFile("infra/grafana/dashboards/edgeflake.json"));
      const perWorker = dashboardQueries(dashboard).find((q) =>
        q.where.startsWith('panel "IDs by worker"'),
      );
      if (!perWorker) throw new Error("no IDs by worker panel");
      const { result } = await query(substituteGrafanaVariables(perWorker.expr));
      expect(result.map((s) => s.metric.worker).sort()).toEqual(WORKERS);
      for (const sample of result)
        expect(Number(sample.value[1]), `worker ${sample.metric.worker}`).toBeGreaterThan(0);
      const total = dashboardQueries(dashboard).find(
        (q) => q.where === 'panel "Generation rate" A',
      );
      if (!total) throw new Error("no Generation rate panel");
      const sum = await query(substituteGrafanaVariables(total.expr));
      expect(Number(sum.result[0]?.value[1])).toBeGreaterThan(0);
    });

    it("no alert fires for two healthy servers with distinct worker IDs", async () => {
      const { alerts } = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>(
        "/api/v1/alerts",
      );
      expect(alerts.filter((a) => a.state === "firing").map((a) => a.labels.alertname)).toEqual([]);
    });

    it("the probe, healthcheck and scrape paths of the manifests answer on the real server", async () => {
      const container = k8sPod.spec.containers[0];
      const paths = new Set<string>([
        container.readinessProbe.httpGet.path,
        container.livenessProbe.httpGet.path,
        k8sPod.metadata.annotations["prometheus.io/path"],
      ]);
      for (const path of paths) {
        const response = await fetch(`http://127.0.0.1:${serverPorts[0]}${path}`);
        expect(response.status, path).toBe(200);
      }
    });

    it("a server exits cleanly within 5 s of SIGTERM (the image's CMD and the pods' grace period rely on it)", async () => {
      const server = servers[0];
      if (!server) throw new Error("no server");
      const started = Date.now();
      server.child.kill("SIGTERM");
      const exit = await Promise.race([
        server.exited,
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5_000)),
      ]);
      expect(exit, server.output()).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  },
);
