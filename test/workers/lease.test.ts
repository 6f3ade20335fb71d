import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS, decodeId } from "../../src/core/index.ts";
import {
  createDynamoDbClient,
  DynamoDbLeaseStore,
  type Lease,
  MemoryLeaseStore,
} from "../../src/lease/index.ts";
import { createWorkerHandler } from "../../src/targets/worker.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type FetchLike, workerFetch } from "./support.ts";

// Leasing from inside workerd against the dynalite server global-setup.ts started on 127.0.0.1.
const TTL_MS = Number(env.LEASE_TTL_MS); // wrangler.toml: 60 s
const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());

function namespaced(): { bindings: Record<string, unknown>; store: DynamoDbLeaseStore } {
  const namespace = `workerd-${crypto.randomUUID().slice(0, 8)}`;
  const client = createDynamoDbClient({
    region: "us-east-1",
    endpoint: String(env.DYNAMODB_ENDPOINT),
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const store = new DynamoDbLeaseStore({ client, table: String(env.LEASE_TABLE), namespace });
  return { bindings: { ...env, LEASE_NAMESPACE: namespace }, store };
}

async function ids(fetch: FetchLike, count: number): Promise<bigint[]> {
  const response = await fetch(`/generate?count=${count}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { ids: string[] }).ids.map((id) => BigInt(id));
}

const workerOf = (id: bigint) => decodeId(id, layout).workerId;
const timeOf = (id: bigint) => decodeId(id, layout).timestamp;

function expectIncreasing(all: bigint[]): void {
  for (let i = 1; i < all.length; i++)
    expect(all[i] as bigint).toBeGreaterThan(all[i - 1] as bigint);
}

describe("Worker leasing in workerd (dynalite)", () => {
  it("the first request acquires, later requests reuse the lease without writing", async () => {
    const { bindings, store } = namespaced();
    const fetch = workerFetch(createWorkerHandler(), bindings);
    expect(await store.list()).toEqual([]); // nothing is leased before the isolate's first request
    const first = await ids(fetch, 5);
    const [item] = await store.list();
    expect(item).toMatchObject({ workerId: workerOf(first[0] as bigint), runtime: "workers" });
    expect((item?.expiresAt ?? 0) - Date.now()).toBeGreaterThan(TTL_MS - 10_000);

    const later: bigint[] = [];
    for (let i = 0; i < 20; i++) later.push(...(await ids(fetch, 50)));
    expect((await store.list()).map((r) => r.version)).toEqual([item?.version]);
    expect(new Set(later.map(workerOf))).toEqual(new Set([item?.workerId]));
    expectIncreasing([...first, ...later]);
    expect((await fetch("/health")).status).toBe(200);
    const metrics = await (await fetch("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_lease_state\{worker="\d+",state="held"\} 1$/m);
  });

  // Issue #15 reverses the old assertion ("/health on a fresh isolate acquires too"): /health
  // never leases; a fresh isolate is healthy ("none yet") when the store answers a binding read.
  it("/health on a fresh isolate is healthy and leases nothing: lease none yet, range named", async () => {
    const { bindings, store } = namespaced();
    const fetch = workerFetch(createWorkerHandler(), bindings);
    const health = await fetch("/health", { headers: { Accept: "application/json" } });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ lease: { state: "none", workerIds: "0-1023" } });
    expect(await store.list()).toEqual([]);
    await ids(fetch, 1); // the first request that issues leases
    const held = await fetch("/health", { headers: { Accept: "application/json" } });
    expect(await held.json()).toMatchObject({ status: "ok", lease: { state: "held" } });
  });

  it("with AUTH_TOKEN, only an authorised /generate leases: 401s, /decode and /health do not", async () => {
    const { bindings, store } = namespaced();
    const token = "workerd-token-0123456789abcdef";
    const fetch = workerFetch(createWorkerHandler(), { ...bindings, AUTH_TOKEN: token });
    expect((await fetch("/generate")).status).toBe(401);
    expect(
      (await fetch("/generate", { headers: { Authorization: "Bearer wrong-token-000000" } }))
        .status,
    ).toBe(401);
    expect((await fetch("/decode/1")).status).toBe(401);
    expect((await fetch("/health")).status).toBe(200);
    expect(await store.list()).toEqual([]);
    const authorised = await fetch("/generate", { headers: { Authorization: `Bearer ${token}` } });
    expect(authorised.status).toBe(200);
    expect(await store.list()).toHaveLength(1);
  });

  it("count=10000 in one request returns 10000 unique IDs inside the fence", async () => {
    const { bindings, store } = namespaced();
    const batch = await ids(workerFetch(createWorkerHandler(), bindings), 10_000);
    expect(new Set(batch).size).toBe(10_000);
    expectIncreasing(batch);
    const [item] = await store.list();
    expect(timeOf(batch.at(-1) as bigint)).toBeLessThan(item?.expiresAt as number);
  });

  it("several isolates hold distinct worker IDs; their IDs never collide", async () => {
    const { bindings, store } = namespaced();
    const isolates = [1, 2, 3].map(() => workerFetch(createWorkerHandler(), bindings));
    const all: bigint[] = [];
    for (let round = 0; round < 10; round++) {
      for (const fetch of isolates) all.push(...(await ids(fetch, 100)));
    }
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all.map(workerOf)).size).toBe(3);
    expect(await store.list()).toHaveLength(3);
  });

  it("renews in waitUntil after a third of the TTL, inline after a freeze past expiry", async () => {
    const { bindings, store } = namespaced();
    const clock = new FakeClock(Date.now());
    const fetch = workerFetch(createWorkerHandler({ clock }), bindings);
    const before = await ids(fetch, 3);
    const acquired = (await store.list())[0];

    clock.advance(TTL_MS / 2); // past ttl/3: the response is not delayed, the renewal runs after it
    const middle = await ids(fetch, 3);
    const renewed = (await store.list())[0];
    expect(renewed?.version).toBe((acquired?.version as number) + 1);
    expect(renewed?.expiresAt).toBe(clock.ms + TTL_MS);

    clock.advance(3 * TTL_MS); // frozen well past expiresAt, nobody took the worker ID over
    const after = await ids(fetch, 3);
    const revived = (await store.list())[0];
    expect(revived?.version).toBe((renewed?.version as number) + 1);
    expect(revived?.expiresAt).toBe(clock.ms + TTL_MS);
    expect(new Set([...before, ...middle, ...after].map(workerOf)).size).toBe(1);
    expectIncreasing([...before, ...middle, ...after]);
  });

  it("a lease taken over during a freeze: the new holder starts at the old expiresAt, the old one fails closed", async () => {
    const { bindings, store } = namespaced();
    // One worker bit: two worker IDs, so a third isolate can only get the one that lapsed.
    const twoIds = { ...bindings, LAYOUT: "custom:41/1/21/1" };
    const tiny = createLayout("custom:41/1/21/1", DEFAULT_EPOCH_MS, Date.now());
    const clock = new FakeClock(Date.now());
    const a = workerFetch(createWorkerHandler({ clock }), twoIds);
    const c = workerFetch(createWorkerHandler({ clock }), twoIds);
    const fromA = await ids(a, 100);
    await ids(c, 1);
    const lapsedAt = (await store.get(decodeId(fromA[0] as bigint, tiny).workerId))?.expiresAt;

    clock.advance(TTL_MS + 1_000); // A is frozen; C keeps its worker ID by renewing inline
    await ids(c, 1);
    const b = workerFetch(createWorkerHandler({ clock }), twoIds);
    const fromB = await ids(b, 100);
    expect(decodeId(fromB[0] as bigint, tiny).workerId).toBe(
      decodeId(fromA[0] as bigint, tiny).workerId,
    );
    expect(decodeId(fromB[0] as bigint, tiny).timestamp).toBeGreaterThanOrEqual(lapsedAt as number);

    // A thaws: its renewal finds the item changed, and with no free worker ID it refuses to issue.
    const thawed = await a("/generate");
    expect(thawed.status).toBe(503);
    expect(((await thawed.json()) as { type: string }).type).toBe(
      "urn:edgeflake:problem:no-free-worker-id",
    );
    expect(new Set([...fromA, ...fromB]).size).toBe(200);
  });

  it("the renewal does not delay the response: it finishes in ctx.waitUntil", async () => {
    // A store whose renewals wait for the test's go-ahead, to see where they run.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    class GatedStore extends MemoryLeaseStore {
      override async renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
        await gate;
        return super.renew(lease, expiresAt, nowMs);
      }
    }
    const store = new GatedStore();
    const clock = new FakeClock(Date.now());
    const handler = createWorkerHandler({ clock, store });
    const bindings = { LEASE_TABLE: "unused-with-a-store", LEASE_TTL_MS: String(TTL_MS) };
    await ids(workerFetch(handler, bindings), 1);
    const version = (await store.list())[0]?.version;

    clock.advance(TTL_MS / 2);
    const ctx = createExecutionContext();
    const url = "http://edgeflake.test/generate";
    const response = await handler.fetch(new Request(url), bindings, ctx);
    expect(response.status).toBe(200); // answered while the renewal is still blocked
    expect((await store.list())[0]?.version).toBe(version);
    release();
    await waitOnExecutionContext(ctx);
    expect((await store.list())[0]?.version).toBe((version as number) + 1);
  });
});
