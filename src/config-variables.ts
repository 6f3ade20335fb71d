// What each environment variable accepts: one table builds the schema and the error messages.
import * as z from "zod/mini";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

// An SSM Parameter Store name: hierarchical (/edgeflake/prod/auth-token), as IAM ARNs name it.
function parameterName(secret: string) {
  return {
    schema: text(/^(\/[\w.-]{1,255}){1,15}$/, "not an SSM parameter path like /edgeflake/prod/x"),
    accepted: `Lambda only: the SecureString parameter holding ${secret}, like /edgeflake/prod/${secret.toLowerCase().replaceAll("_", "-")}`,
  };
}

const PUSH_LABEL =
  "(?!(?:job|instance|worker|runtime|le|__\\w*)=)[a-zA-Z_]\\w{0,63}=[^,=\\s]{1,128}";
const PUSH_LABELS = new RegExp(`^${PUSH_LABEL}(,${PUSH_LABEL}){0,15}$`);

/** What each variable accepts; the schema and the error messages are built from this one table. */
export const VARIABLES = {
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
  AUTH_TOKEN_PARAMETER: parameterName("AUTH_TOKEN"),
  METRICS_TOKEN_PARAMETER: parameterName("METRICS_TOKEN"),
  METRICS_PUSH_AUTHORIZATION_PARAMETER: parameterName("METRICS_PUSH_AUTHORIZATION"),
  DEMO_LOAD: {
    schema: integer(0, 1_000_000),
    accepted: "IDs per second, an integer 0-1000000 (default 0: off)",
  },
  LOG_LEVEL: { schema: z.enum(LOG_LEVELS), accepted: `${LOG_LEVELS.join(", ")} (default info)` },
  CORS_ORIGINS: {
    schema: text(
      /^(\*|https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?( *, *https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)*)$/,
      "not * nor a comma-separated list of origins",
    ),
    accepted: "* or comma-separated origins (scheme://host[:port]) like https://app.example.com",
  },
  LEASE_TABLE: {
    schema: text(/^[\w.-]{3,255}$/, "not a DynamoDB table name"),
    accepted: "a DynamoDB table name: 3-255 of A-Z a-z 0-9 _ . -",
  },
  LEASE_TTL_MS: {
    schema: integer(1_000, 3_600_000),
    accepted: "an integer 1000-3600000, at least one tick of LAYOUT (default 30000)",
  },
  LEASE_WORKER_IDS: {
    schema: text(
      /^\s*\d{1,7}\s*(-\s*\d{1,7}\s*)?(,\s*\d{1,7}\s*(-\s*\d{1,7}\s*)?){0,63}$/,
      "not a range like 0-255 or a list like 0-99,200-255",
    ),
    accepted:
      "worker IDs to lease, N-M or a comma list like 0-99,200-255, within the layout (default: all)",
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

export type Name = keyof typeof VARIABLES;

/** Each secret and the variable naming the SSM parameter the Lambda target reads it from. */
export const SECRET_PARAMETERS = [
  ["AUTH_TOKEN", "AUTH_TOKEN_PARAMETER"],
  ["METRICS_TOKEN", "METRICS_TOKEN_PARAMETER"],
  ["METRICS_PUSH_AUTHORIZATION", "METRICS_PUSH_AUTHORIZATION_PARAMETER"],
] as const satisfies readonly (readonly [Name, Name])[];
export const NAMES = Object.keys(VARIABLES) as Name[];

/** Every variable optional; `parseConfig` checks what depends on several. */
export const schema = z.object(
  Object.fromEntries(NAMES.map((name) => [name, z.optional(VARIABLES[name].schema)])) as {
    [K in Name]: z.ZodMiniOptional<(typeof VARIABLES)[K]["schema"]>;
  },
);
