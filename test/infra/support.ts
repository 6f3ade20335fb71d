// Shared helpers for the infra tests: repository paths, YAML loading, external tools, free ports,
// child processes that are always stopped, and the PromQL found in the dashboard and the rules.
import { type ChildProcess, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { type ManagedProcess, spawnProcess } from "../../scripts/lib/process-harness.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Absolute path of a repository file. */
export function repoPath(...parts: string[]): string {
  return join(ROOT, ...parts);
}

/** Reads a repository file as UTF-8 text. */
export function readRepoFile(path: string): string {
  return readFileSync(repoPath(path), "utf8");
}

/** Parses one YAML document (merge keys `<<:` enabled, as docker compose reads them). */
// biome-ignore lint/suspicious/noExplicitAny: parsed configuration is walked dynamically in tests
export function readYaml(path: string): any {
  return parse(readRepoFile(path), { merge: true });
}

/** Parses every document of a multi-document YAML text. */
// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked dynamically in tests
export function parseYamlDocuments(text: string): any[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join("\n"));
    return doc.toJS();
  });
}

/** True when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, command))) return true;
  }
  return false;
}

/**
 * Tools installed by `.ci/run` (Debian's prometheus package). On a developer machine without them
 * the tests that need them are skipped; in CI (CI=true) they fail instead, so a missing install
 * step cannot pass unnoticed.
 */
export function requireTools(...commands: string[]): boolean {
  const missing = commands.filter((c) => !hasCommand(c));
  if (missing.length === 0) return true;
  if (process.env.CI) {
    throw new Error(
      `missing ${missing.join(", ")}: .ci/run installs them (apt-get install prometheus)`,
    );
  }
  console.warn(`skipping: ${missing.join(", ")} not installed (apt-get install prometheus)`);
  return false;
}

/** Runs a command; returns its exit code and combined output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): { code: number; output: string } {
  try {
    const output = execFileSync(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
    });
    return { code: 0, output };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string; message: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` || e.message };
  }
}

export { freePort } from "../../scripts/lib/free-port.ts";

/** A child process whose output is kept for error messages. */
export interface Managed {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  process: ManagedProcess;
}

/** Starts a process (scripts/lib/process-harness.ts) with its output captured (last 64 KiB). */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
): Managed {
  const managed = spawnProcess({
    command,
    args,
    env: { ...process.env, ...env },
    cwd,
    captureLimit: 65_536,
  });
  const { child } = managed;
  const exited = managed.exited.then(() => ({ code: child.exitCode, signal: child.signalCode }));
  return { child, output: () => managed.output, exited, process: managed };
}

/** Stops a process: SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
export async function stopProcess(managed: Managed | undefined, graceMs = 5_000): Promise<void> {
  await managed?.process.stop("SIGTERM", graceMs);
}

export { waitFor } from "../../scripts/lib/wait-for.ts";

/** One PromQL expression and where it was found. */
export interface Query {
  where: string;
  expr: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the dashboard JSON is walked dynamically
type Json = any;

/** Every panel of a dashboard, rows' nested panels included. */
export function dashboardPanels(dashboard: Json): Json[] {
  const out: Json[] = [];
  for (const panel of dashboard.panels ?? []) {
    out.push(panel);
    for (const nested of panel.panels ?? []) out.push(nested);
  }
  return out;
}

/** Every PromQL expression in the dashboard: panel targets and query variables. */
export function dashboardQueries(dashboard: Json): Query[] {
  const queries: Query[] = [];
  for (const panel of dashboardPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      queries.push({ where: `panel "${panel.title}" ${target.refId}`, expr: String(target.expr) });
    }
  }
  return queries;
}

/** The series selector inside a `label_values(selector, label)` variable query, if any. */
export function variableSelectors(dashboard: Json): Query[] {
  const out: Query[] = [];
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== "query") continue;
    const text =
      typeof variable.query === "string" ? variable.query : String(variable.query?.query ?? "");
    const match = /^label_values\((.+),\s*(\w+)\)$/.exec(text.trim());
    if (!match?.[1]) throw new Error(`variable ${variable.name}: unsupported query ${text}`);
    out.push({ where: `variable ${variable.name}`, expr: match[1] });
  }
  return out;
}

/**
 * Replaces Grafana's variables with what Grafana would send: interval variables by durations,
 * multi-value variables by the "All" regex.
 */
export function substituteGrafanaVariables(expr: string): string {
  const values: Record<string, string> = {
    __rate_interval: "1m",
    __interval: "15s",
    __range: "5m",
    __range_s: "300",
    __range_ms: "300000",
  };
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (_m, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? "";
      return values[name] ?? ".*";
    },
  );
}

/** Every expression in a Prometheus rules file (recording and alerting rules). */
export function ruleQueries(rules: Json): Query[] {
  const out: Query[] = [];
  for (const group of rules.groups ?? []) {
    for (const rule of group.rules ?? []) {
      out.push({ where: `rule ${rule.alert ?? rule.record}`, expr: String(rule.expr).trim() });
    }
  }
  return out;
}

/** Every alerting rule in a rules file. */
export function alertRules(rules: Json): Json[] {
  return (rules.groups ?? []).flatMap((g: Json) => (g.rules ?? []).filter((r: Json) => r.alert));
}

/** The scrape config with this job name, or an error naming the jobs that exist. */
export function scrapeJob(config: Json, name: string): Json {
  const job = (config.scrape_configs ?? []).find((j: Json) => j.job_name === name);
  if (!job) throw new Error(`no scrape job ${name}`);
  return job;
}
