// ProblemError and ConfigError follow the conventions of every error edgeflake throws on purpose.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.ts";
import { EdgeflakeError } from "../../src/core/errors.ts";
import { ProblemError } from "../../src/http/problem.ts";
import { silentLogger } from "../../src/log.ts";
import { configProblem } from "../../src/targets/config-problem.ts";

describe("error conventions", () => {
  it("ProblemError: an EdgeflakeError named after its class, its code taken from the slug", () => {
    const error = new ProblemError(400, "invalid-count", "Bad Request", "count must be 1-10", {
      "X-Test": "1",
    });
    expect(error).toBeInstanceOf(EdgeflakeError);
    expect(error).toMatchObject({ name: "ProblemError", code: "INVALID_COUNT" });
    expect(error.message).toBe("count must be 1-10");
    expect(error.problem).toEqual({
      type: "urn:edgeflake:problem:invalid-count",
      title: "Bad Request",
      status: 400,
      detail: "count must be 1-10",
    });
    expect(error.headers).toEqual({ "X-Test": "1" });
  });

  it("the Workers/Lambda config answer names the variables ConfigError lists, values only in the log", async () => {
    const error = new ConfigError([
      { variables: ["PORT"], line: 'PORT="0": below 1' },
      {
        variables: ["WORKER_ID", "LEASE_TABLE"],
        line: 'WORKER_ID="1" and LEASE_TABLE="t": set one',
      },
    ]);
    expect(error).toMatchObject({ name: "ConfigError", code: "INVALID_CONFIG" });
    const logged: unknown[] = [];
    const response = configProblem(error, {
      ...silentLogger,
      error: (fields) => logged.push(fields),
    });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { detail: string };
    expect(body.detail).toBe(
      "invalid configuration: PORT, WORKER_ID, LEASE_TABLE (details in the log)",
    );
    expect(logged).toEqual([{ problems: [error.problems[0], error.problems[1]] }]);
  });
});
