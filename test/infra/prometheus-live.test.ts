// A real Prometheus (Debian's build) scraping two real edgeflake Node servers with rules.yml
// loaded. Each server starts the way a deployment starts it: the image's CMD, with the environment
// of docker-compose.yml (edgeflake-1) or of infra/k8s/deployment.yaml, leasing its worker ID from a
// dynalite server (the DynamoDB API) whose table the compose `table-create` command created.
// The scrape jobs are the ones in infra/prometheus/prometheus.yml with their targets pointed at the
// test servers: the compose job's static target, and the Kubernetes job's relabel rules fed by file
// discovery with the meta labels pod discovery would set (Debian's Prometheus has no Kubernetes
// discovery; the relabel rules are what matters). Every dashboard and rule expression is then
// evaluated through the HTTP API.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import dynalite from "dynalite";
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
  run,
  scrapeJob,
  startProcess,
  stopProcess,
  substituteGrafanaVariables,
  variableSelectors,
  waitFor,
} from "./support.ts";

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

/** What docker compose does to a command string: `$$` is a literal `$`; no variables expected. */
function composeInterpolate(text: string): string {
  if (text.replaceAll("$$", "").includes("$")) throw new Error(`compose variable in ${text}`);
  return text.replaceAll("$$", "$");
}

const compose = readYaml("docker-compose.yml").services;
const k8sPod = parseYamlDocuments(readRepoFile("infra/k8s/deployment.yaml"))[0].spec.template;
const dashboard = JSON.parse(readRepoFile("infra/grafana/dashboards/edgeflake.json"));
const rules = readYaml("infra/prometheus/rules.yml");

/** A dashboard panel's first query, Grafana variables substituted. */
function panelQuery(title: string): string {
  const found = dashboardQueries(dashboard).find((q) => q.where.startsWith(`panel "${title}"`));
  if (!found) throw new Error(`no panel "${title}"`);
  return substituteGrafanaVariables(found.expr);
}

describe.runIf(requireTools("prometheus"))(
  "a real Prometheus scraping real edgeflake servers",
  () => {
    const tempDir = mkdtempSync(join(tmpdir(), "edgeflake-prometheus-"));
    let dynamodb: Server | undefined;
    let tableCreateOutput = "";
    const servers: Managed[] = [];
    const serverPorts: number[] = [];
    let prometheus: Managed | undefined;
    let prometheusUrl = "";

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
      // The DynamoDB stand-in, and the lease table made by the compose one-shot service's command.
      const db = dynalite({ createTableMs: 0 });
      dynamodb = db;
      await new Promise<void>((done) => db.listen(0, "127.0.0.1", done));
      const endpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
      const tableCreate = compose["table-create"];
      const [shell, ...shellArgs] = (tableCreate.command as string[]).map(composeInterpolate);
      // Asynchronously: dynalite runs in this process and must keep answering meanwhile.
      const { stdout } = await promisify(execFile)(shell ?? "sh", shellArgs, {
        cwd: repoPath(),
        env: { ...process.env, ...tableCreate.environment, DYNAMODB_ENDPOINT: endpoint },
        encoding: "utf8",
        timeout: 30_000,
      });
      tableCreateOutput = stdout;

      // Server 0: the compose replica's environment. Server 1: the Kubernetes pod's, plus access to
      // the stand-in (in a cluster the credentials come from IRSA or a Secret).
      const podEnv = Object.fromEntries(
        k8sPod.spec.containers[0].env.map((e: { name: string; value: string }) => [
          e.name,
          e.value,
        ]),
      );
      const environments: Record<string, string>[] = [
        { ...compose["edgeflake-1"].environment, DYNAMODB_ENDPOINT: endpoint },
        {
          ...podEnv,
          DYNAMODB_ENDPOINT: endpoint,
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          DEMO_LOAD: "2000",
        },
      ];
      const cmd = execForm(dockerfile().findLast((i) => i.keyword === "CMD")?.args ?? "");
      for (const env of environments) {
        const port = await freePort();
        const server = startProcess(process.execPath, cmd.slice(1), {
          ...env,
          PORT: String(port),
          HOST: "127.0.0.1",
        });
        servers.push(server);
        serverPorts.push(port);
      }
      await Promise.all(
        servers.map((server, i) =>
          waitFor(
            `server ${i} to be ready`,
            async () => (/"msg":"ready"/.test(server.output()) ? true : undefined),
            15_000,
            logs,
          ),
        ),
      );

      // The repository's scrape jobs, pointed at the test servers; 1 s intervals.
      const config = readYaml("infra/prometheus/prometheus.yml");
      const composeJob = scrapeJob(config, "edgeflake-compose");
      composeJob.static_configs = [
        { targets: [`127.0.0.1:${serverPorts[0]}`], labels: composeJob.static_configs[0].labels },
      ];
      const kubernetesJob = scrapeJob(config, "edgeflake-kubernetes");
      delete kubernetesJob.kubernetes_sd_configs;
      const podsFile = join(tempDir, "pods.json");
      kubernetesJob.file_sd_configs = [{ files: [podsFile], refresh_interval: "1s" }];
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
        // Pod discovery's address: pod IP and a container port (the relabel rules set the port).
        targets: ["127.0.0.1:1"],
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
        "both servers' generation rate",
        async () => {
          const { result } = await query("worker:snowflake_ids_generated:rate1m > 0");
          return result.length === servers.length ? true : undefined;
        },
        30_000,
        logs,
      );
    }, 120_000); // the waits above add up to more than the default hook timeout

    afterAll(async () => {
      // Servers first: they release their leases on SIGTERM.
      await Promise.all([stopProcess(prometheus), ...servers.map((s) => stopProcess(s))]);
      const db = dynamodb;
      if (db?.listening) {
        await new Promise<void>((done) => {
          db.close(() => done());
          db.closeAllConnections();
        });
      }
      rmSync(tempDir, { recursive: true, force: true });
    });

    it("the compose table-create command created the lease table", () => {
      expect(tableCreateOutput).toContain(
        `created lease table "${compose["table-create"].environment.LEASE_TABLE}"`,
      );
    });

    it("scrapes both jobs' targets, up", async () => {
      const { activeTargets } = await api<{ activeTargets: Target[] }>(
        "/api/v1/targets?state=active",
      );
      expect(activeTargets.map((t) => t.labels.job).sort()).toEqual([
        "edgeflake-compose",
        "edgeflake-kubernetes",
      ]);
      for (const target of activeTargets) {
        expect(target.health, `${target.scrapeUrl}: ${target.lastError}`).toBe("up");
      }
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
      const evaluated = await waitFor(
        "every rule to be evaluated",
        async () => {
          const data = await api<{ groups: { rules: Rule[] }[] }>("/api/v1/rules");
          const all = data.groups.flatMap((g) => g.rules);
          return all.every((r) => !r.lastEvaluation.startsWith("0001")) ? all : undefined;
        },
        10_000,
      );
      expect(evaluated).toHaveLength(ruleQueries(rules).length);
      for (const rule of evaluated)
        expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe("ok");
    });

    it("every rule expression runs through the query API", async () => {
      for (const { where, expr } of ruleQueries(rules)) {
        await expect(query(expr), where).resolves.toBeDefined();
      }
    });

    it("every dashboard expression and variable query runs through the query API", async () => {
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
      const info = await query("snowflake_generator_info");
      expect(info.result).toHaveLength(servers.length);
      const workers = [...new Set(info.result.map((s) => s.metric.worker))].sort();
      const { result } = await query(panelQuery("IDs by worker"));
      expect(result.map((s) => s.metric.worker).sort()).toEqual(workers);
      for (const sample of result) {
        expect(Number(sample.value[1]), `worker ${sample.metric.worker}`).toBeGreaterThan(0);
      }
      const total = await query(panelQuery("Generation rate"));
      expect(Number(total.result[0]?.value[1])).toBeGreaterThan(0);
    });

    it("both servers hold a lease, and the dashboard's lease panels show it", async () => {
      const states = await query(panelQuery("Lease state"));
      expect(states.result.map((s) => s.metric.state)).toEqual(["held", "held"]);
      const expiry = await query(panelQuery("Lease expires in"));
      expect(expiry.result.length).toBeGreaterThan(0);
      for (const sample of expiry.result) {
        // Above SnowflakeLeaseExpiring's threshold.
        expect(Number(sample.value[1]), `worker ${sample.metric.worker}`).toBeGreaterThan(10);
      }
      const acquired = await query('sum(snowflake_lease_acquisitions_total{result="success"})');
      expect(Number(acquired.result[0]?.value[1])).toBe(servers.length);
    });

    it("no alert fires for two healthy servers", async () => {
      const { alerts } = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>(
        "/api/v1/alerts",
      );
      expect(alerts.filter((a) => a.state === "firing").map((a) => a.labels.alertname)).toEqual([]);
    });

    it("the probe and scrape paths of the manifests answer 200 on the real server", async () => {
      const container = k8sPod.spec.containers[0];
      const paths = new Set<string>([
        container.readinessProbe.httpGet.path,
        container.livenessProbe.httpGet.path,
        container.startupProbe.httpGet.path,
        k8sPod.metadata.annotations["prometheus.io/path"],
      ]);
      for (const path of paths) {
        const response = await fetch(`http://127.0.0.1:${serverPorts[1]}${path}`);
        expect(response.status, path).toBe(200);
      }
    });

    it("the Dockerfile's and compose's healthcheck commands pass against the real server", () => {
      const healthcheck = dockerfile().findLast((i) => i.keyword === "HEALTHCHECK")?.args ?? "";
      const [command, ...args] = execForm(healthcheck.slice(healthcheck.indexOf("CMD")));
      const port = String(serverPorts[0]);
      const image = run(command === "node" ? process.execPath : String(command), args, {
        env: { PORT: port },
      });
      expect(image.code, image.output).toBe(0);
      // compose probes the container's fixed port 8080; point it at the test server's port.
      const [, composeCommand, ...composeArgs] = compose["edgeflake-1"].healthcheck
        .test as string[];
      expect(composeCommand).toBe("node");
      const replica = run(
        process.execPath,
        composeArgs.map((a) => a.replace(":8080/", `:${port}/`)),
      );
      expect(replica.code, replica.output).toBe(0);
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
      expect(server.output()).toMatch(/released worker-ID lease/);
    });
  },
);
