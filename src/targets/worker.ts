// Cloudflare Workers entry: config from bindings; the service is built on the isolate's first
// request and kept for its life. With LEASE_TABLE each isolate leases its own worker ID lazily.
import type { ExecutionContext } from "hono";
import packageJson from "../../package.json" with { type: "json" };
import { ConfigError, parseConfig } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import type { LeaseStore } from "../lease/index.ts";
import { systemClock } from "../system-clock.ts";
import { configProblem } from "./config-problem.ts";
import { consoleLogger } from "./console-logger.ts";
import { createLazyLeasedService, type LazyLeasedService } from "./lazy-lease.ts";

export type WorkerEnv = Record<string, unknown>;

export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response>;
}

export interface WorkerOptions {
  clock?: Clock;
  /** A lease store instead of DynamoDB (tests). */
  store?: LeaseStore;
}

/** A handler with its own per-isolate state; tests build several, the runtime uses the default export. */
export function createWorkerHandler(options: WorkerOptions = {}): WorkerHandler {
  const clock = options.clock ?? systemClock;
  let service: LazyLeasedService | undefined;
  return {
    async fetch(request, env, ctx) {
      if (!service) {
        try {
          service = build(env, clock, options.store);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          return configProblem(error, consoleLogger("error", { service: "edgeflake" }));
        }
      }
      const response = await service.fetch(request, env, ctx);
      // After the answer, at most once per interval: waitUntil keeps the isolate alive for it.
      const push = service.pusher?.pushIfDue();
      if (push) ctx.waitUntil(push);
      return response;
    },
  };
}

function build(env: WorkerEnv, clock: Clock, store: LeaseStore | undefined): LazyLeasedService {
  const config = parseConfig(env, clock.now());
  const logger = consoleLogger(config.logLevel, { service: "edgeflake", runtime: "workers" });
  return createLazyLeasedService(config, {
    clock,
    logger,
    runtime: "workers",
    version: packageJson.version,
    info: { host: `isolate-${crypto.randomUUID().slice(0, 8)}`, runtime: "workers" },
    credentials: credentialsFrom(env, config.lease?.endpoint),
    store,
  });
}

/** AWS credentials from secrets (`wrangler secret put`); a local endpoint accepts any. */
function credentialsFrom(env: WorkerEnv, endpoint: string | undefined) {
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token } = env;
  if (typeof id === "string" && typeof secret === "string" && id && secret) {
    return {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(typeof token === "string" && token ? { sessionToken: token } : {}),
    };
  }
  return endpoint ? { accessKeyId: "local", secretAccessKey: "local" } : undefined;
}

export default createWorkerHandler();
