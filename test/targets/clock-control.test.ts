// The test-only clock control: off by default, one exact value enables it, loud when on.
import { afterEach, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeEntry } from "../../scripts/lib/node-entry.ts";
import { ConfigError, parseConfig } from "../../src/config.ts";
import type { Clock } from "../../src/core/clock.ts";
import { CLOCK_CONTROL_PATH, ClockControl } from "../../src/targets/clock-control.ts";

const NOW = Date.UTC(2026, 0, 1);
const base: Clock = { now: () => NOW, monotonic: () => 5, sleep: async () => {} };
const passThrough = (_request: Request) => new Response("app");

const post = (body: string) =>
  new Request(`http://local${CLOCK_CONTROL_PATH}`, { method: "POST", body });

describe("ClockControl", () => {
  it("shifts wall time only, and serves its route in front of the app", async () => {
    const control = new ClockControl(base);
    const fetch = control.wrap(passThrough);
    expect(await (await fetch(new Request("http://local/generate"))).text()).toBe("app");

    const set = await fetch(post(JSON.stringify({ offsetMs: -9_000 })));
    expect(await set.json()).toEqual({ offsetMs: -9_000, nowMs: NOW - 9_000 });
    expect(control.clock.now()).toBe(NOW - 9_000);
    expect(control.clock.monotonic()).toBe(5);
    const read = await fetch(new Request(`http://local${CLOCK_CONTROL_PATH}`));
    expect(await read.json()).toMatchObject({ offsetMs: -9_000 });
  });

  it("is routed by Hono as the app is: the path decoded; all else passes on with its env", async () => {
    const control = new ClockControl(base);
    const seen: unknown[] = [];
    const fetch = control.wrap((request: Request, env?: unknown) => {
      seen.push([new URL(request.url).pathname, env]);
      return new Response("app");
    });
    const encoded = await fetch(new Request("http://local/_test/%63lock"));
    expect(await encoded.json()).toMatchObject({ offsetMs: 0 });
    const env = { incoming: "socket" };
    const other = await fetch(new Request("http://local/_test/clock/x"), env as never);
    expect(await other.text()).toBe("app");
    expect(seen).toEqual([["/_test/clock/x", env]]);
    const wrong = await fetch(new Request(`http://local${CLOCK_CONTROL_PATH}`, { method: "PUT" }));
    expect(wrong.status).toBe(405);
  });

  it.each(["{}", '{"offsetMs":"10"}', '{"offsetMs":1.5}', '{"offsetMs":3600001}', "not json"])(
    "refuses %s and keeps the offset",
    async (body) => {
      const control = new ClockControl(base);
      control.offsetMs = 7;
      const response = await control.wrap(passThrough)(post(body));
      expect(response.status).toBe(400);
      expect(control.offsetMs).toBe(7);
    },
  );
});

describe("CLOCK_CONTROL config", () => {
  it("is off unless set to exactly unsafe-test-only", () => {
    expect(parseConfig({}, NOW).clockControl).toBe(false);
    expect(parseConfig({ CLOCK_CONTROL: "unsafe-test-only" }, NOW).clockControl).toBe(true);
    for (const value of ["1", "true", "on", "unsafe", "UNSAFE-TEST-ONLY"]) {
      expect(() => parseConfig({ CLOCK_CONTROL: value }, NOW)).toThrow(ConfigError);
    }
  });
});

describe("Node target", () => {
  let server: NodeProcess | undefined;
  afterEach(async () => {
    await server?.stop("SIGKILL");
    server = undefined;
  });

  it("has no clock route by default", async () => {
    server = await startNodeEntry({});
    const response = await fetch(`${server.url}${CLOCK_CONTROL_PATH}`, {
      method: "POST",
      body: '{"offsetMs":5000}',
    });
    expect(response.status).toBe(404);
    expect(server.stderr).not.toMatch(/CLOCK_CONTROL/);
  });

  it("with CLOCK_CONTROL=unsafe-test-only warns at start and issues IDs at the shifted time", async () => {
    server = await startNodeEntry({ CLOCK_CONTROL: "unsafe-test-only" });
    expect(server.stderr).toMatch(/WARNING CLOCK_CONTROL=unsafe-test-only.*TEST ONLY/);
    expect(server.logs.some((l) => l.level === "warn" && l.clockControl === true)).toBe(true);
    const offsetMs = 60_000;
    const set = await fetch(`${server.url}${CLOCK_CONTROL_PATH}`, {
      method: "POST",
      body: JSON.stringify({ offsetMs }),
    });
    expect(set.status).toBe(200);
    const { id } = (await (await fetch(`${server.url}/generate`)).json()) as { id: string };
    const decoded = (await (await fetch(`${server.url}/decode/${id}`)).json()) as {
      timestamp: number;
    };
    expect(decoded.timestamp - Date.now()).toBeGreaterThan(offsetMs - 5_000);
  });
});
