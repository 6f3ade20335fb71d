// Cloudflare Workers entry: config from bindings, the service built once per isolate on first use.
import type { ExecutionContext } from "hono";
import packageJson from "../../package.json" with { type: "json" };
import { type AppConfig, ConfigError, parseConfig } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import { createService, type Service } from "../service.ts";
import { systemClock } from "../system-clock.ts";
import { consoleLogger } from "./console-logger.ts";

export type WorkerEnv = Record<string, unknown>;

export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response>;
}

/** A handler with its own per-isolate state; tests build several, the runtime uses the default export. */
export function createWorkerHandler(clock: Clock = systemClock): WorkerHandler {
  let service: Service | undefined;
  return {
    async fetch(request, env, ctx) {
      if (!service) {
        let config: AppConfig;
        try {
          config = parseConfig(env, clock.now());
        } catch (error) {
          if (error instanceof ConfigError) return configProblem(error);
          throw error;
        }
        const logger = consoleLogger(config.logLevel, { service: "edgeflake", runtime: "workers" });
        service = createService(config, {
          clock,
          logger,
          runtime: "workers",
          version: packageJson.version,
        });
      }
      return service.app.fetch(request, env, ctx);
    },
  };
}

// A Worker cannot refuse to start: every request answers 500 naming the bad bindings until fixed.
function configProblem(error: ConfigError): Response {
  console.error(
    JSON.stringify({ level: "error", msg: "invalid configuration", problems: error.problems }),
  );
  const body = {
    type: "urn:edgeflake:problem:invalid-configuration",
    title: "Internal Server Error",
    status: 500,
    detail: error.problems.join("; "),
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
  });
}

export default createWorkerHandler();
