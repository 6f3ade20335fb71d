import * as z from "zod/mini";
import { createLayout, DEFAULT_EPOCH_MS, type Layout } from "./core/index.ts";

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
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every bad variable, one line each: `NAME="value": problem (accepted: range)`. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
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

const PUSH_LABEL =
  "(?!(?:job|instance|worker|runtime|le|__\\w*)=)[a-zA-Z_]\\w{0,63}=[^,=\\s]{1,128}";
const PUSH_LABELS = new RegExp(`^${PUSH_LABEL}(,${PUSH_LABEL}){0,15}$`);

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
  METRICS_PUSH_URL: {
    schema: text(/^https?:\/\/[^\s/$.?#][^\s]{0,2000}$/, "not an http(s) URL"),
    accepted:
      "a remote-write endpoint like https://prometheus.example/api/v1/write (default: no push)",
  },
  METRICS_PUSH_AUTHORIZATION: {
    schema: text(/^[\w-]+ [\x21-\x7e]{1,4096}$/, "not a scheme and credentials"),
    accepted: "the whole Authorization header value, like `Bearer <token>` or `Basic <base64>`",
  },
  METRICS_PUSH_INTERVAL_MS: {
    schema: integer(1_000, 3_600_000),
    accepted: "an integer 1000-3600000 (default 15000)",
  },
  METRICS_PUSH_TIMEOUT_MS: {
    schema: integer(50, 10_000),
    accepted: "an integer 50-10000 (default 1000)",
  },
  METRICS_PUSH_LABELS: {
    schema: text(PUSH_LABELS, "not name=value pairs separated by commas"),
    accepted:
      "name=value,... (names [a-zA-Z_][a-zA-Z0-9_]* other than job, instance, worker, runtime, le; values without , or =)",
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
  const problems: string[] = [];
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
      problems.push(describe(name, input[name], issue.message));
    }
    const good = Object.fromEntries(Object.entries(input).filter(([name]) => !bad.has(name)));
    const retry = schema.safeParse(good);
    if (!retry.success) throw new ConfigError(problems);
    env = retry.data;
  }

  let layout: Layout | undefined;
  const epochMs = env.EPOCH === undefined ? DEFAULT_EPOCH_MS : parseEpoch(env.EPOCH);
  if (bad.has("LAYOUT") || bad.has("EPOCH")) {
    // The layout is unknown: checks that depend on it would only mislead.
  } else if (Number.isNaN(epochMs)) {
    problems.push(describe("EPOCH", input.EPOCH, "not a valid time"));
  } else {
    try {
      layout = createLayout(env.LAYOUT ?? "classic", epochMs, nowMs);
    } catch (error) {
      const name = env.EPOCH !== undefined && /epoch/i.test(String(error)) ? "EPOCH" : "LAYOUT";
      problems.push(describe(name, input[name] ?? "", (error as Error).message));
    }
  }
  if (env.WORKER_ID !== undefined && env.LEASE_TABLE !== undefined) {
    problems.push(
      `WORKER_ID="${input.WORKER_ID}" and LEASE_TABLE="${input.LEASE_TABLE}": set one, not both (static worker ID or leasing)`,
    );
  }
  if (layout && env.WORKER_ID !== undefined && env.WORKER_ID > layout.maxWorkerId) {
    problems.push(
      describe(
        "WORKER_ID",
        input.WORKER_ID,
        `above ${layout.maxWorkerId}, the layout's largest worker ID`,
      ),
    );
  }
  const pushLabelNames = env.METRICS_PUSH_LABELS?.split(",").map((pair) => pair.split("=")[0]);
  if (pushLabelNames && new Set(pushLabelNames).size < pushLabelNames.length) {
    problems.push(
      describe("METRICS_PUSH_LABELS", input.METRICS_PUSH_LABELS, "a label name repeats"),
    );
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

function describe(name: Name, value: string | undefined, problem: string): string {
  const secret = name.endsWith("TOKEN") || name === "METRICS_PUSH_AUTHORIZATION";
  const shown = secret ? "<redacted>" : JSON.stringify(value ?? "").slice(0, 80);
  return `${name}=${shown}: ${problem} (accepted: ${VARIABLES[name].accepted})`;
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
