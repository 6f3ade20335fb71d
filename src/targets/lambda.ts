// AWS Lambda entry (serverless/serverless.yml): the same app through hono/aws-lambda. One service
// and, with LEASE_TABLE, one lease per execution environment, acquired on its first invocation.
import { Hono } from "hono";
import {
  type APIGatewayProxyResult,
  handle,
  type LambdaContext,
  type LambdaEvent,
} from "hono/aws-lambda";
import packageJson from "../../package.json" with { type: "json" };
import { ConfigError, parseConfig } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import { problem, problemAsResponse } from "../http/problem.ts";
import type { LeaseStore } from "../lease/index.ts";
import { localCredentials } from "../lease/node.ts";
import { nodeClock } from "../system-clock.ts";
import { configProblem } from "./config-problem.ts";
import { consoleLogger } from "./console-logger.ts";
import {
  type ParameterReader,
  resolveSecrets,
  SecretsUnavailableError,
  ssmParameterReader,
} from "./lambda-secrets.ts";
import { createLazyLeasedService } from "./lazy-lease.ts";

export type LambdaHandler = (
  event: LambdaEvent,
  context?: LambdaContext,
) => Promise<APIGatewayProxyResult>;

export interface LambdaOptions {
  clock?: Clock;
  /** A lease store instead of DynamoDB (tests). */
  store?: LeaseStore;
  /** Reads the `*_PARAMETER` secrets; default: SSM Parameter Store in the function's region. */
  readParameter?: ParameterReader;
}

/**
 * A handler with its own execution-environment state (tests build several). Lambda freezes the
 * environment between invocations, so leasing renews inline: every invocation that issues checks
 * its lease first and renews (or re-acquires, above the previous holder's fence) before issuing.
 */
export function createLambdaHandler(
  env: Record<string, unknown>,
  options: LambdaOptions = {},
): LambdaHandler {
  const clock = options.clock ?? nodeClock;
  let handler: LambdaHandler | undefined;
  let ssm: ParameterReader | undefined;
  // The SSM client is made only when a `*_PARAMETER` is set.
  const readParameter: ParameterReader =
    options.readParameter ??
    ((name) => {
      ssm ??= ssmParameterReader({ region: regionOf(env) });
      return ssm(name);
    });
  return async (event, context) => {
    if (!handler) {
      try {
        const source = await resolveSecrets(env, readParameter);
        const config = parseConfig(source, clock.now());
        const service = createLazyLeasedService(config, {
          clock,
          logger: consoleLogger(config.logLevel, { service: "edgeflake", runtime: "lambda" }),
          runtime: "lambda",
          version: packageJson.version,
          info: holderInfo(env),
          credentials: localCredentials(config.lease?.endpoint, env),
          store: options.store,
          renewInline: true,
        });
        // The outer app only routes everything through the service's fetch (its /health check).
        const app = handle(new Hono().all("*", (c) => service.fetch(c.req.raw, c.env)));
        handler = async (event, context) => {
          const result = await app(event, context);
          // The environment freezes once this returns, so a due push happens inside the invocation,
          // bounded by METRICS_PUSH_TIMEOUT_MS; it never fails the invocation.
          await service.pusher?.pushIfDue();
          return result;
        };
      } catch (error) {
        const logger = consoleLogger("error", { service: "edgeflake", runtime: "lambda" });
        if (error instanceof SecretsUnavailableError) {
          // Fail closed and try again on the next invocation: never serve without the token.
          logger.error({ err: error.message }, "secrets unavailable");
          const detail = "a secret could not be read from SSM Parameter Store (details in the log)";
          const refused = problem(503, "secrets-unavailable", "Service Unavailable", detail);
          const answer = () => problemAsResponse(refused, { "Retry-After": "1" });
          return handle(new Hono().all("*", answer))(event, context);
        }
        if (!(error instanceof ConfigError)) throw error;
        return handle(new Hono().all("*", () => configProblem(error, logger)))(event, context);
      }
    }
    return handler(event, context);
  };
}

function regionOf(env: Record<string, unknown>): string | undefined {
  const region = env.AWS_REGION;
  return typeof region === "string" && region ? region : undefined;
}

/** The log stream names the execution environment: operators find the holder in CloudWatch. */
function holderInfo(env: Record<string, unknown>) {
  const stream = env.AWS_LAMBDA_LOG_STREAM_NAME;
  const runtime = env.AWS_EXECUTION_ENV;
  return {
    host: typeof stream === "string" && stream ? stream : "lambda",
    runtime: typeof runtime === "string" && runtime ? runtime : "lambda",
  };
}

/** The function serverless.yml points at. */
export const handler: LambdaHandler = createLambdaHandler(process.env);
