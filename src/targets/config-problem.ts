import type { ConfigError } from "../config.ts";
import type { Logger } from "../log.ts";

/**
 * Workers and Lambda cannot refuse to start: until the configuration is fixed, every request is
 * answered 500 naming the bad variables; the values and reasons go to the log only.
 */
export function configProblem(error: ConfigError, logger: Logger): Response {
  logger.error({ problems: error.problems }, "invalid configuration");
  const names = [...new Set(error.problems.map((p) => /^[A-Z_]+/.exec(p)?.[0] ?? "?"))];
  const body = {
    type: "urn:edgeflake:problem:invalid-configuration",
    title: "Internal Server Error",
    status: 500,
    detail: `invalid configuration: ${names.join(", ")} (details in the log)`,
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
  });
}
