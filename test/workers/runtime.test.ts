import { describe, expect, it } from "vitest";
import { createWorkerHandler } from "../../src/targets/worker.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { workerFetch } from "./support.ts";

describe("the Worker entry in workerd", () => {
  it("runs in workerd", () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });

  it("count=10000 completes by awaiting where time stands still during synchronous code", async () => {
    // Production Workers freeze Date.now() between I/O: this clock moves only when slept on, so a
    // spinning wait would stall (ClockStalledError) while the async path progresses.
    const clock = new FakeClock(Date.now());
    const fetch = workerFetch(createWorkerHandler({ clock }), { WORKER_ID: "7" });
    const response = await fetch("/generate?count=10000");
    expect(response.status).toBe(200);
    const { ids } = (await response.json()) as { ids: string[] };
    expect(new Set(ids).size).toBe(10_000);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_sequence_overflow_total\{worker="7"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/runtime="workers"/);
  });

  it("bad bindings answer 500 problems that name each of them", async () => {
    const fetch = workerFetch(createWorkerHandler(), { LAYOUT: "nope", MAX_BATCH: "x" });
    const response = await fetch("/generate");
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const { detail } = (await response.json()) as { detail: string };
    expect(detail).toMatch(/MAX_BATCH/);
    expect(detail).not.toMatch(/"x"/);
    const outOfRange = await workerFetch(createWorkerHandler(), { WORKER_ID: "5000" })("/health");
    expect(outOfRange.status).toBe(500);
    expect(((await outOfRange.json()) as { detail: string }).detail).toMatch(/WORKER_ID/);
  });
});
