import type * as z from "zod/mini";
import {
  type LogLevel,
  NAMES,
  type Name,
  SECRET_PARAMETERS,
  schema,
  VARIABLES,
} from "./config-variables.ts";
import {
  createLayout,
  DEFAULT_EPOCH_MS,
  EdgeflakeError,
  type Layout,
  parseLayoutName,
} from "./core/index.ts";
import { maxOf, parseWorkerIds, type WorkerIdRange } from "./lease/worker-range.ts";

export { LOG_LEVELS, type LogLevel } from "./config-variables.ts";

/** The validated configuration every target starts from. */
export interface AppConfig {
  port: number;
  host: string;
  layout: Layout;
  /** Static worker ID; undefined when leasing assigns one. */
  workerId: number | undefined;
  maxClockBackwardMs: number;
  maxBatch: number;
  authToken: string | undefined;
  metricsToken: string | undefined;
  demoLoad: number;
  logLevel: LogLevel;
  lease: LeaseConfig | undefined;
  /** `CORS_ORIGINS`: origins whose pages may read the ID routes' answers (`*`: any); undefined: no CORS. */
  corsOrigins: readonly string[] | "*" | undefined;
  /** Test only (`CLOCK_CONTROL=unsafe-test-only`): the Node target's clock can be shifted over HTTP. */
  clockControl: boolean;
  /** Remote-write push of the registry (Workers, Lambda); undefined when `METRICS_PUSH_URL` is unset. */
  metricsPush: MetricsPushConfig | undefined;
}

export interface MetricsPushConfig {
  url: string;
  /** The whole `Authorization` header value (secret). */
  authorization: string | undefined;
  intervalMs: number;
  timeoutMs: number;
  /** Fixed labels added to every pushed series. */
  labels: Record<string, string>;
}

export interface LeaseConfig {
  table: string;
  ttlMs: number;
  namespace: string;
  region: string;
  endpoint: string | undefined;
  /** `LEASE_WORKER_IDS`: the only worker IDs leased; undefined: the layout's whole range. */
  workerIds: WorkerIdRange | undefined;
}

/** One problem: the line that describes it and the variables it concerns. */
export interface ConfigProblem {
  variables: readonly string[];
  line: string;
}

/** Every bad variable, one line each: `NAME="value": problem (accepted: range)`. */
export class ConfigError extends EdgeflakeError {
  readonly problems: string[];
  /** Every variable a problem concerns, once each, in the order of the problems. */
  readonly variables: string[];
  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => p.line);
    super("INVALID_CONFIG", `invalid configuration:\n${lines.map((p) => `  ${p}`).join("\n")}`);
    this.problems = lines;
    this.variables = [...new Set(problems.flatMap((p) => p.variables))];
  }
}

/**
 * Environment (Node) or bindings (Workers) -> config. Empty values count as unset; unknown names
 * are ignored. Throws `ConfigError` naming every bad variable.
 */
export function parseConfig(source: Record<string, unknown>, nowMs: number): AppConfig {
  const input: Record<string, string> = {};
  for (const name of NAMES) {
    const value = source[name];
    if (typeof value === "string" && value.trim() !== "") input[name] = value.trim();
    else if (typeof value === "number" || typeof value === "boolean") input[name] = String(value);
  }
  const parsed = schema.safeParse(input);
  const problems: ConfigProblem[] = [];
  const bad = new Set<string>();
  let env: z.infer<typeof schema>;
  if (parsed.success) {
    env = parsed.data;
  } else {
    // Name every bad variable once, then go on with the good ones so cross-field problems show too.
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as Name;
      if (bad.has(name)) continue;
      bad.add(name);
      problems.push(problemOf([name], input, issue.message));
    }
    const good = Object.fromEntries(Object.entries(input).filter(([name]) => !bad.has(name)));
    const retry = schema.safeParse(good);
    if (!retry.success) throw new ConfigError(problems);
    env = retry.data;
  }

  // Each check names the variables it judges; checks that need the layout run only once it is valid.
  const blame = (names: Name[], problem: string | undefined) => {
    if (problem === undefined) return false;
    problems.push(problemOf(names, input, problem));
    return true;
  };
  const spec = bad.has("LAYOUT")
    ? undefined
    : attempt(() => parseLayoutName(env.LAYOUT ?? "classic"));
  if (spec && "problem" in spec) blame(["LAYOUT"], spec.problem);
  const epochMs = env.EPOCH === undefined ? DEFAULT_EPOCH_MS : parseEpoch(env.EPOCH);
  const epochBad = bad.has("EPOCH") || blame(["EPOCH"], epochProblem(epochMs, nowMs));
  let layout: Layout | undefined;
  if (spec && "value" in spec && !epochBad) {
    // Bit widths, and the lifetime from a valid epoch: what to change is the layout.
    const created = attempt(() => createLayout(spec.value, epochMs, nowMs));
    if ("value" in created) layout = created.value;
    else blame(["LAYOUT"], created.problem);
  }
  if (env.WORKER_ID !== undefined && env.LEASE_TABLE !== undefined) {
    blame(["WORKER_ID", "LEASE_TABLE"], "set one, not both (static worker ID or leasing)");
  }
  // The Lambda target reads these parameters and passes on the secrets instead (lambda-secrets.ts).
  for (const [, parameter] of SECRET_PARAMETERS) {
    if (env[parameter] === undefined) continue;
    blame([parameter], "only the Lambda target reads SSM parameters: set the secret itself here");
  }
  if (layout && env.WORKER_ID !== undefined && env.WORKER_ID > layout.maxWorkerId) {
    blame(["WORKER_ID"], `above ${layout.maxWorkerId}, the layout's largest worker ID`);
  }
  // A lease shorter than one tick can fall inside a single tick and issue nothing (its floor, the
  // previous holder's expiry, rounds up to the next tick); one tick or more always leaves one.
  const ttlMs = env.LEASE_TTL_MS ?? 30_000;
  if (layout && env.LEASE_TABLE !== undefined && ttlMs < layout.unitMs) {
    blame(
      ["LEASE_TTL_MS", "LAYOUT"],
      `the lease TTL (${ttlMs} ms) is shorter than one tick of the layout (${layout.unitMs} ms): ` +
        `set LEASE_TTL_MS to at least ${layout.unitMs} or use a shorter unit`,
    );
  }
  const workerIds = leaseWorkerIds(env.LEASE_WORKER_IDS, layout, env.LEASE_TABLE, blame);
  const pushLabelNames = env.METRICS_PUSH_LABELS?.split(",").map((pair) => pair.split("=")[0]);
  if (pushLabelNames && new Set(pushLabelNames).size < pushLabelNames.length) {
    blame(["METRICS_PUSH_LABELS"], "a label name repeats");
  }
  if (problems.length > 0 || !layout) throw new ConfigError(problems);

  return {
    port: env.PORT ?? 8080,
    host: env.HOST ?? "0.0.0.0",
    layout,
    workerId: env.LEASE_TABLE === undefined ? (env.WORKER_ID ?? 0) : undefined,
    maxClockBackwardMs: env.MAX_CLOCK_BACKWARD_MS ?? 10,
    maxBatch: env.MAX_BATCH ?? 10_000,
    authToken: env.AUTH_TOKEN,
    metricsToken: env.METRICS_TOKEN,
    demoLoad: env.DEMO_LOAD ?? 0,
    logLevel: env.LOG_LEVEL ?? "info",
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    clockControl: env.CLOCK_CONTROL === "unsafe-test-only",
    metricsPush:
      env.METRICS_PUSH_URL === undefined
        ? undefined
        : {
            url: env.METRICS_PUSH_URL,
            authorization: env.METRICS_PUSH_AUTHORIZATION,
            intervalMs: env.METRICS_PUSH_INTERVAL_MS ?? 15_000,
            timeoutMs: env.METRICS_PUSH_TIMEOUT_MS ?? 1_000,
            labels: Object.fromEntries(
              (env.METRICS_PUSH_LABELS?.split(",") ?? []).map((pair) => pair.split("=")),
            ),
          },
    lease:
      env.LEASE_TABLE === undefined
        ? undefined
        : {
            table: env.LEASE_TABLE,
            ttlMs,
            namespace: env.LEASE_NAMESPACE ?? "edgeflake",
            region: env.AWS_REGION ?? "us-east-1",
            endpoint: env.DYNAMODB_ENDPOINT,
            workerIds,
          },
  };
}

/** `LEASE_WORKER_IDS` parsed and checked against the layout; problems blamed on the variables. */
function leaseWorkerIds(
  value: string | undefined,
  layout: Layout | undefined,
  table: string | undefined,
  blame: (names: Name[], problem: string | undefined) => boolean,
): WorkerIdRange | undefined {
  if (value === undefined) return undefined;
  if (table === undefined) {
    blame(["LEASE_WORKER_IDS", "LEASE_TABLE"], "a worker-ID range needs leasing (LEASE_TABLE)");
    return undefined;
  }
  const parsed = attempt(() => parseWorkerIds(value));
  if ("problem" in parsed) {
    blame(["LEASE_WORKER_IDS"], parsed.problem);
    return undefined;
  }
  if (layout && maxOf(parsed.value) > layout.maxWorkerId) {
    const limit = `0-${layout.maxWorkerId}`;
    blame(["LEASE_WORKER_IDS", "LAYOUT"], `beyond the layout's worker IDs ${limit}`);
  }
  return parsed.value;
}

/** `*`, or the listed origins as browsers send them (lower case). */
function corsOrigins(value: string | undefined): readonly string[] | "*" | undefined {
  if (value === undefined) return undefined;
  return value === "*" ? "*" : value.split(",").map((origin) => origin.trim().toLowerCase());
}

function parseEpoch(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

/** EPOCH on its own (the rules `createLayout` applies too, checked here to name EPOCH). */
function epochProblem(epochMs: number, nowMs: number): string | undefined {
  if (Number.isNaN(epochMs)) return "not a valid time";
  if (!Number.isSafeInteger(epochMs) || epochMs < 0) {
    return `epoch must be a non-negative integer of ms since 1970 (got ${epochMs})`;
  }
  if (epochMs > nowMs) return `epoch ${new Date(epochMs).toISOString()} is in the future`;
  return undefined;
}

/** What `run` returns, or the message of the error it throws. */
function attempt<T>(run: () => T): { value: T } | { problem: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * One variable: `NAME="value": problem (accepted: ...)`; several (a conflict between them):
 * `A="x" and B="y": problem`. Tokens are never shown.
 */
function problemOf(names: Name[], input: Record<string, string>, problem: string): ConfigProblem {
  const secret = (name: Name) => name.endsWith("TOKEN") || name === "METRICS_PUSH_AUTHORIZATION";
  const shown = (name: Name) => (secret(name) ? "<redacted>" : JSON.stringify(input[name] ?? ""));
  const [only] = names;
  const line =
    names.length === 1 && only
      ? `${only}=${shown(only).slice(0, 80)}: ${problem} (accepted: ${VARIABLES[only].accepted})`
      : `${names.map((name) => `${name}=${shown(name)}`).join(" and ")}: ${problem}`;
  return { variables: names, line };
}

/** The config as it is safe to log: secrets replaced. */
export function redactedConfig(config: AppConfig): Record<string, unknown> {
  return {
    ...config,
    layout: config.layout.name,
    epoch: new Date(config.layout.epochMs).toISOString(),
    authToken: config.authToken ? "<redacted>" : undefined,
    metricsToken: config.metricsToken ? "<redacted>" : undefined,
    metricsPush: config.metricsPush && {
      ...config.metricsPush,
      authorization: config.metricsPush.authorization ? "<redacted>" : undefined,
    },
  };
}
