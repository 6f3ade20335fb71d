// Grafana provisioning and dashboard: the files docker compose mounts exist and agree with each
// other, the dashboard has the seed's panels and every query names a provisioned data source.
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dashboardPanels, dashboardQueries, readRepoFile, readYaml, repoPath } from "./support.ts";

const compose = readYaml("docker-compose.yml");
const datasources = readYaml("infra/grafana/provisioning/datasources/prometheus.yml");
const providers = readYaml("infra/grafana/provisioning/dashboards/edgeflake.yml");
const dashboard = JSON.parse(readRepoFile("infra/grafana/dashboards/edgeflake.json"));

/** compose volume "host:container[:mode]" of the grafana service, as [host, container]. */
function grafanaMount(container: string): string {
  for (const volume of compose.services.grafana.volumes as string[]) {
    const [host, target] = volume.split(":");
    if (target === container && host) return host;
  }
  throw new Error(`grafana mounts nothing at ${container}`);
}

describe("grafana provisioning", () => {
  it("docker compose mounts the provisioning folder and the dashboards folder", () => {
    expect(existsSync(repoPath(grafanaMount("/etc/grafana/provisioning")))).toBe(true);
    const provider = providers.providers[0];
    const dashboardsDir = grafanaMount(provider.options.path);
    expect(readdirSync(repoPath(dashboardsDir))).toContain("edgeflake.json");
  });

  it("provisions one Prometheus datasource pointing at the compose Prometheus service", () => {
    expect(datasources.apiVersion).toBe(1);
    const [source] = datasources.datasources;
    expect(source).toMatchObject({
      type: "prometheus",
      access: "proxy",
      uid: "prometheus",
      isDefault: true,
    });
    const url = new URL(source.url);
    expect(Object.keys(compose.services)).toContain(url.hostname);
    expect(compose.services[url.hostname].ports).toContain(`${url.port}:${url.port}`);
  });

  it("the home dashboard path is the provisioned file", () => {
    const home = compose.services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home).toBe(`${providers.providers[0].options.path}/edgeflake.json`);
  });
});

describe("dashboard", () => {
  const panels = dashboardPanels(dashboard).filter((p) => p.type !== "row");
  const queries = dashboardQueries(dashboard);

  it("has a stable uid, unique panel ids and a position for every panel", () => {
    expect(dashboard.uid).toBe("edgeflake");
    const ids = dashboardPanels(dashboard).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboardPanels(dashboard)) {
      expect(panel.gridPos, panel.title).toMatchObject({
        w: expect.any(Number),
        h: expect.any(Number),
      });
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it("has the seed's panels, lease panels and the availability SLO", () => {
    const titles = panels.map((p) => p.title);
    for (const title of [
      "Generation rate",
      "IDs by worker",
      "Clock issues",
      "Sequence overflows",
      "Average wait",
      "Lease state",
      "Lease expires in",
      "Lease renewals and acquisitions",
      "Availability (SLO 99.9%)",
      "Lease pool",
      "Metrics pushes",
    ]) {
      expect(titles).toContain(title);
    }
  });

  it("every panel queries the datasource variable, which selects the provisioned Prometheus", () => {
    const variable = dashboard.templating.list.find(
      (v: { type: string }) => v.type === "datasource",
    );
    expect(variable).toMatchObject({ name: "datasource", query: "prometheus" });
    expect(variable.current.value).toBe(datasources.datasources[0].uid);
    for (const panel of panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not JS
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets)
        expect(target.datasource, panel.title).toEqual(panel.datasource);
    }
  });

  it("the generator panels filter by the job and worker variables", () => {
    const names = dashboard.templating.list.map((v: { name: string }) => v.name);
    expect(names).toEqual(["datasource", "runtime", "job", "worker"]);
    for (const { where, expr } of queries) {
      if (!/snowflake_(ids|clock|sequence|wait|avg)|worker:snowflake/.test(expr)) continue;
      expect(expr, where).toContain('worker=~"$worker"');
    }
  });

  it("the runtime variable narrows the job choices; All jobs means the selected runtimes' jobs", () => {
    const variable = (name: string) =>
      dashboard.templating.list.find((v: { name: string }) => v.name === name);
    expect(variable("runtime").definition).toBe("label_values(snowflake_generator_info, runtime)");
    expect(variable("job").definition).toBe(
      'label_values(snowflake_generator_info{runtime=~"$runtime"}, job)',
    );
    // A custom "All" value (.*) would match every job whatever the runtime.
    expect(variable("job").allValue).toBeUndefined();
  });

  it("uses the recording rules it relies on, and they exist in rules.yml", () => {
    const rules = readRepoFile("infra/prometheus/rules.yml");
    const used = new Set(queries.flatMap(({ expr }) => expr.match(/\b\w+:\w+:\w+\b/g) ?? []));
    expect(used.size).toBeGreaterThan(0);
    for (const record of used) expect(rules).toContain(`record: ${record}`);
  });
});
