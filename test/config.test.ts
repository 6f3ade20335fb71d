import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, redactedConfig } from "../src/config.ts";
import { EdgeflakeError } from "../src/core/errors.ts";

const NOW = Date.UTC(2026, 10, 25);

function problemsOf(env: Record<string, unknown>): string[] {
  try {
    parseConfig(env, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("defaults to the embedded setup: port 8080, classic layout, static worker 0", () => {
    const config = parseConfig({}, NOW);
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      workerId: 0,
      maxBatch: 10_000,
      maxClockBackwardMs: 10,
      demoLoad: 0,
      logLevel: "info",
      lease: undefined,
    });
    expect(config.layout.name).toBe("classic");
    expect(config.layout.epochMs).toBe(Date.UTC(2025, 0, 1));
  });

  it("reads every variable, and Workers bindings may be numbers", () => {
    const config = parseConfig(
      {
        PORT: 9000,
        HOST: "127.0.0.1",
        LAYOUT: "sonyflake",
        EPOCH: "2024-06-01T00:00:00Z",
        MAX_BATCH: "50",
        DEMO_LOAD: "100",
        LOG_LEVEL: "warn",
        WORKER_ID: "60000",
      },
      NOW,
    );
    expect(config).toMatchObject({
      port: 9000,
      host: "127.0.0.1",
      workerId: 60000,
      maxBatch: 50,
      demoLoad: 100,
    });
    expect(config.layout.epochMs).toBe(Date.UTC(2024, 5, 1));
  });

  it("leasing: LEASE_TABLE enables it with defaults; no static worker ID then", () => {
    const config = parseConfig(
      { LEASE_TABLE: "edgeflake-leases", DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" },
      NOW,
    );
    expect(config.workerId).toBeUndefined();
    expect(config.lease).toEqual({
      table: "edgeflake-leases",
      ttlMs: 30_000,
      namespace: "edgeflake",
      region: "us-east-1",
      endpoint: "http://127.0.0.1:8000",
    });
  });

  it("names each bad variable with its value's problem and the accepted range, one line each", () => {
    const problems = problemsOf({
      PORT: "80a",
      MAX_BATCH: "0",
      LOG_LEVEL: "loud",
      WORKER_ID: "-3",
    });
    expect(problems).toHaveLength(4);
    expect(problems).toContainEqual(
      expect.stringMatching(/^PORT="80a": not a whole number \(accepted: an integer 1-65535/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^MAX_BATCH="0": below 1 \(accepted: an integer 1-100000/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^LOG_LEVEL="loud": .*\(accepted: fatal, error/),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^WORKER_ID="-3": below 0/));
  });

  it.each([
    [{ WORKER_ID: "1024" }, /^WORKER_ID="1024": above 1023, the layout's largest worker ID/],
    [{ WORKER_ID: "1", LEASE_TABLE: "tbl" }, /set one, not both/],
    [{ LAYOUT: "custom:40/10/10/1" }, /^LAYOUT=.*sum to 63/],
    [{ LAYOUT: "twitter" }, /^LAYOUT="twitter": unknown layout/],
    [{ EPOCH: "2030-01-01T00:00:00Z" }, /^EPOCH=.*in the future/],
    [{ EPOCH: "yesterday" }, /^EPOCH="yesterday": not ms since 1970/],
    [{ LEASE_TABLE: "ab" }, /^LEASE_TABLE="ab": not a DynamoDB table name/],
    [{ LEASE_TABLE: "tbl", LEASE_TTL_MS: "10" }, /^LEASE_TTL_MS="10": below 1000/],
    [{ DYNAMODB_ENDPOINT: "localhost:8000" }, /^DYNAMODB_ENDPOINT=.*not an http\(s\) URL/],
    [{ AUTH_TOKEN: "short" }, /^AUTH_TOKEN=<redacted>: too short/],
  ])("rejects %j", (env, message) => {
    expect(problemsOf(env)).toContainEqual(expect.stringMatching(message));
  });

  it("reports problems across variables even when one value is already bad", () => {
    const problems = problemsOf({ PORT: "0", WORKER_ID: "1024" });
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual(expect.stringMatching(/^PORT="0": below 1/));
    expect(problems).toContainEqual(expect.stringMatching(/^WORKER_ID="1024": above 1023/));
    // With the layout itself bad, nothing is judged against a layout that is not the one meant.
    expect(problemsOf({ LAYOUT: "sonyflak", WORKER_ID: "5000" })).toEqual([
      expect.stringMatching(/^LAYOUT="sonyflak": unknown layout/),
    ]);
  });

  it("blames the variable each check judges, not the one its message mentions", () => {
    // A layout that ran out of timestamps from this epoch: what to change is the layout.
    const ranOut = problemsOf({ LAYOUT: "custom:28/20/15/1", EPOCH: "0" });
    expect(ranOut).toEqual([
      expect.stringMatching(/^LAYOUT="custom:28\/20\/15\/1": layout ran out/),
    ]);
    // The epoch alone is judged first, whatever the layout.
    expect(problemsOf({ LAYOUT: "sonyflake", EPOCH: "2999-01-01T00:00:00Z" })).toEqual([
      expect.stringMatching(
        /^EPOCH="2999-01-01T00:00:00Z": epoch 2999-01-01T00:00:00.000Z is in the future \(accepted: /,
      ),
    ]);
    expect(problemsOf({ EPOCH: "2025-02-30T99:00:00Z" })).toEqual([
      expect.stringMatching(/^EPOCH="2025-02-30T99:00:00Z": not a valid time \(accepted: /),
    ]);
    expect(problemsOf({ EPOCH: "9999999999999999" })).toEqual([
      expect.stringMatching(/^EPOCH="9999999999999999": epoch must be a non-negative integer/),
    ]);
    // Two problems with independent variables are both reported.
    expect(problemsOf({ LAYOUT: "twitter", EPOCH: "2999-01-01T00:00:00Z" })).toEqual([
      expect.stringMatching(/^LAYOUT="twitter": unknown layout/),
      expect.stringMatching(/^EPOCH=.*in the future/),
    ]);
  });

  it("rejects a lease TTL below one tick of the layout, naming both variables", () => {
    const coarse = "custom:35/16/12/60000"; // one-minute ticks
    const error = (() => {
      try {
        parseConfig({ LAYOUT: coarse, LEASE_TABLE: "tbl", LEASE_TTL_MS: "59999" }, NOW);
      } catch (thrown) {
        return thrown as ConfigError;
      }
      throw new Error("accepted");
    })();
    expect(error.variables).toEqual(["LEASE_TTL_MS", "LAYOUT"]);
    expect(error.problems).toEqual([
      `LEASE_TTL_MS="59999" and LAYOUT="${coarse}": the lease TTL (59999 ms) is shorter than one tick of the layout (60000 ms): set LEASE_TTL_MS to at least 60000 or use a shorter unit`,
    ]);
    // The default TTL (30 s) counts too; one tick exactly is enough; static worker IDs have no lease.
    expect(problemsOf({ LAYOUT: coarse, LEASE_TABLE: "tbl" })).toEqual([
      expect.stringMatching(/^LEASE_TTL_MS="" and LAYOUT=.*TTL \(30000 ms\) is shorter/),
    ]);
    const exact = parseConfig({ LAYOUT: coarse, LEASE_TABLE: "tbl", LEASE_TTL_MS: "60000" }, NOW);
    expect(exact.lease?.ttlMs).toBe(60_000);
    expect(parseConfig({ LAYOUT: coarse, WORKER_ID: "3" }, NOW).workerId).toBe(3);
  });

  it("ConfigError follows the project's error conventions and lists the variables concerned", () => {
    let error: unknown;
    try {
      parseConfig({ PORT: "0", WORKER_ID: "1", LEASE_TABLE: "tbl" }, NOW);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(EdgeflakeError);
    expect(error).toMatchObject({ name: "ConfigError", code: "INVALID_CONFIG" });
    expect((error as ConfigError).variables).toEqual(["PORT", "WORKER_ID", "LEASE_TABLE"]);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^PORT="0": below 1/),
      'WORKER_ID="1" and LEASE_TABLE="tbl": set one, not both (static worker ID or leasing)',
    ]);
    expect((error as Error).message).toBe(
      `invalid configuration:\n  ${(error as ConfigError).problems.join("\n  ")}`,
    );
  });

  it("treats empty values as unset", () => {
    expect(parseConfig({ PORT: "", WORKER_ID: "  " }, NOW)).toMatchObject({
      port: 8080,
      workerId: 0,
    });
  });

  it("never returns a half-valid config: any value either parses fully or throws ConfigError", () => {
    const names = [
      "PORT",
      "WORKER_ID",
      "MAX_BATCH",
      "MAX_CLOCK_BACKWARD_MS",
      "DEMO_LOAD",
      "LAYOUT",
      "EPOCH",
      "LEASE_TTL_MS",
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 20 })), (env) => {
        try {
          const config = parseConfig(env, NOW);
          expect(Number.isInteger(config.port)).toBe(true);
          expect(
            config.workerId === undefined || config.workerId <= config.layout.maxWorkerId,
          ).toBe(true);
          expect(config.maxBatch).toBeGreaterThanOrEqual(1);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).problems.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it("redacts secrets for logging", () => {
    const config = parseConfig({ AUTH_TOKEN: "a-very-secret-token-123" }, NOW);
    expect(JSON.stringify(redactedConfig(config))).not.toContain("a-very-secret-token-123");
  });
});
