import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type NodeProcess,
  runNodeEntryToExit,
  startNodeEntry,
} from "../../scripts/lib/node-entry.ts";
import { httpContract } from "../http/contract.ts";

httpContract("Node server process (npm start)", async (env) => {
  const server = await startNodeEntry(env);
  return {
    fetch: (path, init) => fetch(server.url + path, init),
    close: async () => {
      await server.stop();
    },
  };
});

const SEED_METRICS: [string, string][] = [
  ["snowflake_ids_generated_total", "counter"],
  ["snowflake_clock_backward_total", "counter"],
  ["snowflake_clock_backward_errors_total", "counter"],
  ["snowflake_sequence_overflow_total", "counter"],
  ["snowflake_wait_time_microseconds_total", "counter"],
  ["snowflake_avg_wait_microseconds", "gauge"],
  ["snowflake_generator_info", "gauge"],
];

describe("Node server process", () => {
  let server: NodeProcess;
  beforeAll(async () => {
    server = await startNodeEntry({
      WORKER_ID: "9",
      DEMO_LOAD: "500",
      AUTH_TOKEN: "secret-token-that-must-not-leak",
    });
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("logs one start-up line with the effective config, secrets redacted", () => {
    const line = server.logs.find((entry) => entry.msg === "listening");
    expect(line).toMatchObject({
      port: server.port,
      workerId: 9,
      config: { layout: "classic", demoLoad: 500 },
    });
    expect(JSON.stringify(server.logs)).not.toContain("secret-token-that-must-not-leak");
  });

  it("/metrics passes promtool check metrics and carries every seed metric with its type and worker label", async () => {
    await fetch(`${server.url}/generate?count=100`, {
      headers: { Authorization: "Bearer secret-token-that-must-not-leak" },
    });
    const body = await (await fetch(`${server.url}/metrics`)).text();
    // Two lint findings are known and accepted: prom-client's default gauges named nodejs_active_*_total,
    // and the seed's public metric names in microseconds (a contract; promtool prefers seconds).
    // Anything else, a parse error above all, fails.
    const promtool = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(promtool.error).toBeUndefined();
    const findings = `${promtool.stdout}${promtool.stderr}`
      .split("\n")
      .filter((line) => line.trim() !== "");
    const known =
      /^(nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix|snowflake_(avg_wait_microseconds|wait_time_microseconds_total) use base unit "seconds" instead of "microseconds")$/;
    expect(findings.filter((line) => !known.test(line))).toEqual([]);
    expect([0, 3]).toContain(promtool.status);
    const ours = body
      .split("\n")
      .filter((line) => !/nodejs_active_|_microseconds/.test(line))
      .join("\n");
    const strict = spawnSync("promtool", ["check", "metrics"], { input: ours, encoding: "utf8" });
    expect(strict.status, strict.stdout + strict.stderr).toBe(0);
    for (const [name, type] of SEED_METRICS) {
      expect(body).toMatch(new RegExp(`^# TYPE ${name} ${type}$`, "m"));
      expect(body).toMatch(new RegExp(`^${name}\\{worker="9"[,}]`, "m"));
    }
    expect(body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(body).toMatch(/^snowflake_lease_state\{worker="9",state="static"\} 1$/m);
  });

  it("demo load generates IDs in the background", async () => {
    const before = Number(
      /^OK: Generated (\d+) IDs$/.exec(await (await fetch(`${server.url}/health`)).text())?.[1],
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const after = Number(
      /^OK: Generated (\d+) IDs$/.exec(await (await fetch(`${server.url}/health`)).text())?.[1],
    );
    expect(after).toBeGreaterThan(before);
  });
});

describe("Node server lifecycle", () => {
  it("SIGTERM while a request is in flight: the request completes, the process exits 0 within 5 s", async () => {
    const server = await startNodeEntry({});
    const inFlight = fetch(`${server.url}/generate?count=10000`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const stoppedAt = performance.now();
    const code = await server.stop("SIGTERM");
    expect(code).toBe(0);
    expect(performance.now() - stoppedAt).toBeLessThan(5_000);
    const response = await inFlight.catch(() => null);
    if (response) expect(response.status).toBe(200);
    expect(server.logs.map((entry) => entry.msg)).toContain("stopped");
  });

  it("a bad config value exits 1 naming the variable, before listening", async () => {
    const { code, stderr } = await runNodeEntryToExit({
      PORT: "70000",
      MAX_BATCH: "many",
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^config error: PORT="70000": above 65535/m);
    expect(stderr).toMatch(/^config error: MAX_BATCH="many": not a whole number/m);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
