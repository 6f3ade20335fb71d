import * as z from "zod/mini";
import {
  createLayout,
  DEFAULT_EPOCH_MS,
  EdgeflakeError,
  type Layout,
  parseLayoutName,
} from "./core/index.ts";

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
  /** Test only (`CLOCK_CONTROL=unsafe-test-only`): the Node target's clock can be shifted over HTTP. */
  clockControl: boolean;
}

export interface LeaseConfig {
  table: string;
  ttlMs: number;
  namespace: string;
  region: string;
  endpoint: string | undefined;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

function integer(min: number, max: number) {
  return z.pipe(
    z.string().check(z.regex(/^-?\d{1,16}$/, "not a whole number")),
    z.pipe(
      z.transform((text: string) => Number(text)),
      z.number().check(z.gte(min, `below ${min}`), z.lte(max, `above ${max}`)),
    ),
  );
}

function text(pattern: RegExp, problem: string) {
  return z.string().check(z.regex(pattern, problem));
}

/** What each variable accepts; the schema and the error messages are built from this one table. */
const VARIABLES = {
  PORT: { schema: integer(1, 65535), accepted: "an integer 1-65535 (default 8080)" },
  HOST: {
    schema: text(/^[\w.:[\]-]{1,255}$/, "not a host name or address"),
    accepted: "a host or IP (default 0.0.0.0)",
  },
  WORKER_ID: {
    schema: integer(0, 2 ** 20 - 1),
    accepted: "an integer within the layout's worker range (0-1023 for classic)",
  },
  LAYOUT: {
    schema: text(/^[\w:/]{1,40}$/, "not a layout name"),
    accepted: "classic, sonyflake or custom:TS/WORKER/SEQ/UNIT (default classic)",
  },
  EPOCH: {
    schema: text(
      /^(\d{1,16}|\d{4}-\d\d-\d\dT[\d:.]+Z)$/,
      "not ms since 1970 nor an ISO 8601 UTC time",
    ),
    accepted:
      "ms since 1970 or an ISO time like 2025-01-01T00:00:00Z, not in the future (default 2025-01-01T00:00:00Z)",
  },
  MAX_CLOCK_BACKWARD_MS: {
    schema: integer(0, 10_000),
    accepted: "an integer 0-10000 (default 10)",
  },
  MAX_BATCH: { schema: integer(1, 100_000), accepted: "an integer 1-100000 (default 10000)" },
  AUTH_TOKEN: {
    schema: text(/^[\x21-\x7e]{16,512}$/, "too short, too long or not printable ASCII"),
    accepted: "16-512 printable ASCII characters",
  },
  METRICS_TOKEN: {
    schema: text(/^[\x21-\x7e]{16,512}$/, "too short, too long or not printable ASCII"),
    accepted: "16-512 printable ASCII characters",
  },
  DEMO_LOAD: {
    schema: integer(0, 1_000_000),
    accepted: "IDs per second, an integer 0-1000000 (default 0: off)",
  },
  LOG_LEVEL: { schema: z.enum(LOG_LEVELS), accepted: `${LOG_LEVELS.join(", ")} (default info)` },
  LEASE_TABLE: {
    schema: text(/^[\w.-]{3,255}$/, "not a DynamoDB table name"),
    accepted: "a DynamoDB table name: 3-255 of A-Z a-z 0-9 _ . -",
  },
  LEASE_TTL_MS: {
    schema: integer(1_000, 3_600_000),
    accepted: "an integer 1000-3600000 (default 30000)",
  },
  LEASE_NAMESPACE: {
    schema: text(/^[\w.-]{1,64}$/, "not a namespace"),
    accepted: "1-64 of A-Z a-z 0-9 _ . - (default edgeflake)",
  },
  AWS_REGION: {
    schema: text(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "not an AWS region"),
    accepted: "an AWS region like eu-west-1",
  },
  DYNAMODB_ENDPOINT: {
    schema: text(/^https?:\/\/[^\s/$.?#].[^\s]*$/, "not an http(s) URL"),
    accepted: "an http(s) URL like http://127.0.0.1:8000",
  },
  CLOCK_CONTROL: {
    schema: text(/^unsafe-test-only$/, "not the one accepted value"),
    accepted:
      "unsafe-test-only (tests only: POST /_test/clock shifts the clock; never in production)",
  },
} as const;

type Name = keyof typeof VARIABLES;
const NAMES = Object.keys(VARIABLES) as Name[];

const schema = z.object(
  Object.fromEntries(NAMES.map((name) => [name, z.optional(VARIABLES[name].schema)])) as {
    [K in Name]: z.ZodMiniOptional<(typeof VARIABLES)[K]["schema"]>;
  },
);

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
  if (layout && env.WORKER_ID !== undefined && env.WORKER_ID > layout.maxWorkerId) {
    blame(["WORKER_ID"], `above ${layout.maxWorkerId}, the layout's largest worker ID`);
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
    clockControl: env.CLOCK_CONTROL === "unsafe-test-only",
    lease:
      env.LEASE_TABLE === undefined
        ? undefined
        : {
            table: env.LEASE_TABLE,
            ttlMs: env.LEASE_TTL_MS ?? 30_000,
            namespace: env.LEASE_NAMESPACE ?? "edgeflake",
            region: env.AWS_REGION ?? "us-east-1",
            endpoint: env.DYNAMODB_ENDPOINT,
          },
  };
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
  const shown = (name: Name) =>
    name.endsWith("TOKEN") ? "<redacted>" : JSON.stringify(input[name] ?? "");
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
  };
}
