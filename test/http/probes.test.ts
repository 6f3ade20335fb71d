// /livez and /readyz in-process: static mode, a Node-style leaser (leases at start) and a lazy one
// (Workers and Lambda), on a fake clock over a memory store that can be taken down.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { LeaseStoreUnavailableError } from "../../src/lease/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { createService } from "../../src/service.ts";
import { createLazyLeasedService } from "../../src/targets/lazy-lease.ts";
import { createNodeServer } from "../../src/targets/node-server.ts";
import { failingStore } from "../support/doubles.ts";
import { FakeClock } from "../support/fake-clock.ts";

const NOW = Date.UTC(2026, 0, 1);
const TTL = 30_000;
const LEASED = { LEASE_TABLE: "prod-leases", LEASE_TTL_MS: String(TTL) };
const base = { logger: silentLogger, runtime: "node", version: "test" } as const;

// What the store throws while down (with internals in the message, which must never show).
const DOWN = new LeaseStoreUnavailableError("ECONNREFUSED http://10.1.2.3:8000", true);

/** The Node target itself (createNodeServer, in-process, never listening) on the switchable store. */
function nodeStyle() {
  const clock = new FakeClock(NOW);
  const { store, state } = failingStore();
  const node = createNodeServer(LEASED, {
    clock,
    store,
    logger: silentLogger,
    processMetrics: false,
    nowMs: NOW,
  });
  const leaser = node.leaser;
  if (!leaser) throw new Error("LEASE_TABLE did not make a leaser");
  const app = {
    request: (path: string, init?: RequestInit) =>
      Promise.resolve(node.fetch(new Request(`http://localhost${path}`, init))),
  };
  return { app, clock, state, leaser };
}

const text = async (r: Response) => `${r.status} ${await r.text()}`;

describe("static WORKER_ID", () => {
  const { app } = createService(parseConfig({ WORKER_ID: "7" }, NOW), {
    ...base,
    clock: new FakeClock(NOW),
  });

  it("/livez and /readyz answer 200, text by default and JSON when asked, uncached", async () => {
    expect(await text(await app.request("/livez"))).toBe("200 OK: live");
    const ready = await app.request("/readyz");
    expect(ready.headers.get("cache-control")).toBe("no-store");
    expect(ready.headers.get("x-request-id")).toBeTruthy();
    expect(await text(ready)).toBe("200 OK: ready (worker 7)");
    const json = { headers: { Accept: "application/json" } };
    expect(await (await app.request("/livez", json)).json()).toEqual({ status: "ok" });
    expect(await (await app.request("/readyz", json)).json()).toEqual({
      status: "ok",
      workerId: 7,
      issues: [],
    });
  });

  it("are routes of the table: labelled in metrics, 405 for other methods, in the OpenAPI document", async () => {
    await app.request("/livez");
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toMatch(
      /^http_requests_total\{method="GET",route="\/livez",status="200"\} \d+$/m,
    );
    expect(metrics).toMatch(
      /^http_requests_total\{method="GET",route="\/readyz",status="200"\} \d+$/m,
    );
    expect((await app.request("/readyz", { method: "POST" })).status).toBe(405);
    const doc = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    // Plus what every operation documents (issue 16): 414, and the default problem (404/405/500).
    expect(Object.keys(doc.paths["/livez"]?.get.responses ?? {})).toEqual([
      "200",
      "414",
      "default",
    ]);
    expect(Object.keys(doc.paths["/readyz"]?.get.responses ?? {})).toEqual([
      "200",
      "414",
      "503",
      "default",
    ]);
  });
});

describe("leasing at start (Node)", () => {
  it("not ready and /generate 503 until a lease is held; /livez 200 throughout", async () => {
    const { app, leaser } = nodeStyle();
    expect(await text(await app.request("/livez"))).toBe("200 OK: live");
    expect(await text(await app.request("/readyz"))).toBe(
      "503 NOT READY: lease: worker-ID lease none held yet",
    );
    const refused = await app.request("/generate");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get("retry-after")).toBe("1");

    await leaser.refresh();
    const workerId = leaser.tenure?.workerId;
    expect(await text(await app.request("/readyz"))).toBe(`200 OK: ready (worker ${workerId})`);
    expect((await app.request("/generate")).status).toBe(200);
  });

  it("store down: not ready once renewals are overdue (before the lease lapses), ready again after a renewal", async () => {
    const { app, clock, state, leaser } = nodeStyle();
    await leaser.refresh();
    state.error = DOWN;
    clock.advance(TTL / 3 + 1); // a renewal is due and fails
    await expect(leaser.refresh()).rejects.toThrow(LeaseStoreUnavailableError);
    expect((await app.request("/readyz")).status).toBe(200);

    clock.set(NOW + (2 * TTL) / 3 + 1); // less than a third of the TTL left
    const json = await app.request("/readyz", { headers: { Accept: "application/json" } });
    expect(json.status).toBe(503);
    const body = await json.text();
    expect(JSON.parse(body)).toMatchObject({
      status: "unavailable",
      issues: [{ check: "lease", detail: expect.stringMatching(/expires in 9999 ms/) }],
    });
    expect(body).not.toMatch(/10\.1\.2\.3|ECONNREFUSED/); // internals stay out, as on /health
    expect((await app.request("/generate")).status).toBe(200); // still issuing until expiresAt
    expect((await app.request("/livez")).status).toBe(200);

    clock.set(NOW + TTL);
    expect(await text(await app.request("/readyz"))).toMatch(/^503 NOT READY: lease: .*expired/);
    expect((await app.request("/generate")).status).toBe(503);
    expect((await app.request("/livez")).status).toBe(200);

    state.error = undefined;
    await leaser.refresh();
    expect((await app.request("/readyz")).status).toBe(200);
    expect((await app.request("/health")).status).toBe(200);
  });

  it("/readyz reads memory only: probing never reaches the store", async () => {
    const { app, state } = nodeStyle();
    for (let i = 0; i < 5; i++) await app.request("/readyz");
    await app.request("/livez");
    expect(state.calls).toBe(0);
  });
});

describe("leasing on demand (Workers, Lambda)", () => {
  function lazy() {
    const clock = new FakeClock(NOW);
    const { store, state } = failingStore();
    const service = createLazyLeasedService(parseConfig(LEASED, NOW), {
      ...base,
      runtime: "workers",
      clock,
      info: { host: "test", runtime: "test" },
      store,
    });
    return { ...service, clock, state };
  }

  it("ready without a lease, and probing acquires none", async () => {
    const { fetch, state, leaser } = lazy();
    expect(await text(await fetch(new Request("http://x/readyz")))).toBe("200 OK: ready");
    expect(await text(await fetch(new Request("http://x/livez")))).toBe("200 OK: live");
    expect(state.calls).toBe(0);
    expect(leaser?.tenure).toBeUndefined();
  });

  it("not ready while the last lease operation failed and no lease is usable; ready after a success", async () => {
    const { fetch, state, clock } = lazy();
    expect((await fetch(new Request("http://x/generate"))).status).toBe(200);
    clock.advance(2 * TTL); // idle past expiresAt: still ready, the next request acquires
    expect((await fetch(new Request("http://x/readyz"))).status).toBe(200);
    state.error = DOWN;
    expect((await fetch(new Request("http://x/generate"))).status).toBe(503);
    expect(await text(await fetch(new Request("http://x/readyz")))).toMatch(
      /^503 NOT READY: lease: lease on worker ID \d+ expired/,
    );
    expect((await fetch(new Request("http://x/livez"))).status).toBe(200);
    state.error = undefined;
    expect((await fetch(new Request("http://x/generate"))).status).toBe(200);
    expect((await fetch(new Request("http://x/readyz"))).status).toBe(200);
  });
});
