import type { ConfigError } from "../config.ts";
import { problem, problemAsResponse } from "../http/problem.ts";
import type { Logger } from "../log.ts";

/**
 * Workers and Lambda cannot refuse to start: until the configuration is fixed, every request is
 * answered 500 naming the bad variables; the values and reasons go to the log only.
 */
export function configProblem(error: ConfigError, logger: Logger): Response {
  logger.error({ problems: error.problems }, "invalid configuration");
  const detail = `invalid configuration: ${error.variables.join(", ")} (details in the log)`;
  return problemAsResponse(problem(500, "invalid-configuration", "Internal Server Error", detail));
}
