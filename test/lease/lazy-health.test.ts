// Lazy targets' /health: it reports held, lapsing or none yet and never leases; only a request
// allowed to issue IDs acquires; a public (tokenless) service warns once, at its first request.
import { describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { LeaseStoreUnavailableError } from "../../src/lease/errors.ts";
import { MemoryLeaseStore } from "../../src/lease/memory-store.ts";
import type { Lease, NamespaceBinding } from "../../src/lease/store.ts";
import type { Logger } from "../../src/log.ts";
import { createLambdaHandler } from "../../src/targets/lambda.ts";
import { createLazyLeasedService } from "../../src/targets/lazy-lease.ts";
import { lambdaFetch } from "../lambda/events.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { NOW } from "./support/instances.ts";

const TTL_MS = 60_000;
const TOKEN = "lazy-health-token-0123456789";

/** A memory store that counts calls and can be made unreachable. */
class CountingStore extends MemoryLeaseStore {
  calls: string[] = [];
  down = false;
  override async readBinding(): Promise<NamespaceBinding | undefined> {
    this.calls.push("readBinding");
    if (this.down) throw new LeaseStoreUnavailableError("lease store unavailable (test)", true);
    return super.readBinding();
  }
  override async renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    this.calls.push("renew");
    if (this.down) throw new LeaseStoreUnavailableError("lease store unavailable (test)", true);
    return super.renew(lease, expiresAt, nowMs);
  }
}

function service(vars: Record<string, string> = {}, logger?: Logger) {
  const clock = new FakeClock(NOW);
  const store = new CountingStore();
  const config = parseConfig({ LEASE_TABLE: "leases", LEASE_TTL_MS: String(TTL_MS), ...vars }, NOW);
  const warnings: string[] = [];
  const svc = createLazyLeasedService(config, {
    clock,
    logger: logger ?? { info: () => {}, error: () => {}, warn: (_f, m) => warnings.push(m) },
    runtime: "workers",
    version: "test",
    info: { host: "h", runtime: "workers" },
    store,
  });
  const get = async (path: string, init?: RequestInit) =>
    svc.fetch(new Request(`http://x${path}`, init));
  const health = async () => {
    const response = await get("/health", { headers: { Accept: "application/json" } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { clock, store, get, health, warnings, svc };
}

describe("lazy /health", () => {
  it("a fresh isolate: healthy, lease none yet, nothing written; one binding read per short period", async () => {
    const { store, health, clock } = service({ AUTH_TOKEN: TOKEN });
    const first = await health();
    expect(first).toMatchObject({
      status: 200,
      body: { status: "ok", lease: { state: "none", workerIds: "0-1023" }, issues: [] },
    });
    await health();
    expect(store.calls).toEqual(["readBinding"]);
    expect(await store.list()).toEqual([]);
    clock.advance(1_000); // min(TTL/10, 1 s) later, it reads again
    await health();
    expect(store.calls).toEqual(["readBinding", "readBinding"]);
  });

  it("none yet with the store unreachable: 503 naming the failed read", async () => {
    const { store, health } = service();
    store.down = true;
    const { status, body } = await health();
    expect(status).toBe(503);
    expect(JSON.stringify(body.issues)).toMatch(
      /worker-ID lease none held yet; last store operation failed/,
    );
  });

  it("held, then lapsing while idle (healthy), 503 once a renewal failed; lapsed while idle: none", async () => {
    const { store, get, health, clock } = service();
    expect((await get("/generate")).status).toBe(200);
    expect((await health()).body).toMatchObject({ status: "ok", lease: { state: "held" } });
    clock.advance(TTL_MS * 0.7); // less than a third left: renewals are overdue, but nobody asked
    expect(await health()).toMatchObject({ status: 200, body: { lease: { state: "lapsing" } } });
    expect(store.calls).toEqual([]); // /health neither renewed nor read
    store.down = true;
    clock.advance(TTL_MS * 0.25); // under ttl/10 left: a request renews inline, which fails
    expect((await get("/generate")).status).toBe(200); // the lease still covers now
    expect(await health()).toMatchObject({ status: 503, body: { lease: { state: "lapsing" } } });
    store.down = false;
    clock.advance(TTL_MS); // lapsed while idle: like none yet, healthy when the store answers
    const lapsed = await health();
    expect(lapsed).toMatchObject({ status: 200, body: { lease: { state: "none" } } });
    expect(store.calls.filter((c) => c === "renew")).toHaveLength(1);
  });

  it("with AUTH_TOKEN only an authorised /generate leases: not 401s, HEAD, /decode or /health", async () => {
    const { store, get, health } = service({ AUTH_TOKEN: TOKEN });
    expect((await get("/generate")).status).toBe(401);
    expect(
      (await get("/generate", { headers: { Authorization: "Bearer not-the-token-000" } })).status,
    ).toBe(401);
    expect((await get("/decode/123")).status).toBe(401);
    const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };
    expect((await get("/generate", { ...auth, method: "HEAD" })).status).toBe(200);
    await health();
    expect(await store.list()).toEqual([]);
    expect((await get("/generate", auth)).status).toBe(200);
    expect(await store.list()).toHaveLength(1);
  });

  it("without AUTH_TOKEN: a loud PUBLIC warning, once per isolate; none with a token", async () => {
    const tokenless = service();
    await tokenless.get("/generate");
    await tokenless.get("/generate");
    expect(tokenless.warnings).toHaveLength(1);
    expect(tokenless.warnings[0]).toMatch(/^PUBLIC: AUTH_TOKEN is unset.*leases a worker ID/);
    expect(service({ AUTH_TOKEN: TOKEN }).warnings).toEqual([]);
  });

  it("Lambda: the warning is logged at the first invocation, not at import, and only once", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const handler = createLambdaHandler({ WORKER_ID: "3" });
      expect(warn).not.toHaveBeenCalled();
      const fetch = lambdaFetch(handler, "v2");
      await fetch("/generate");
      await fetch("/health");
      const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("PUBLIC"));
      expect(lines).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });
});
