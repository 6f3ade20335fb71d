// Failover and backoff against real servers: Node server processes (one SIGKILLed mid-run) and a
// server answering 503 with Retry-After.
import { afterEach, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeEntry } from "../../scripts/lib/node-entry.ts";
import { createClient, ServiceUnavailableError } from "../../src/client/index.ts";
import { decodeId } from "../../src/core/decode.ts";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { type LocalServer, startFailingServer, strictlyIncreasing } from "./support.ts";

const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
const workerOf = (id: string) => decodeId(BigInt(id), layout).workerId;
const gaps = (server: LocalServer) =>
  server.requests.slice(1).map((r, i) => r.atMs - (server.requests[i]?.atMs ?? 0));

describe("edgeflake/client failover and backoff", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  async function nodeServer(workerId: number): Promise<NodeProcess> {
    const server = await startNodeEntry({ WORKER_ID: String(workerId) });
    cleanups.push(() => server.stop("SIGKILL"));
    return server;
  }
  async function failing(...args: Parameters<typeof startFailingServer>): Promise<LocalServer> {
    const server = await startFailingServer(...args);
    cleanups.push(() => server.close());
    return server;
  }

  it("a server SIGKILLed mid-run: every call is served, from the other URL, no ID twice", async () => {
    const [first, second] = [await nodeServer(1), await nodeServer(2)];
    const client = createClient({ urls: [first.url, second.url], prefetch: { maxBatch: 1000 } });
    const ids: string[] = [];
    for (let i = 0; i < 120_000; i++) {
      if (i === 40_000) first.child.kill("SIGKILL");
      ids.push(await client.next());
      // Now and then let I/O in, as an application between two IDs would.
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(new Set(ids).size).toBe(ids.length);
    const workers = ids.map(workerOf);
    const switchAt = workers.indexOf(2);
    expect(switchAt).toBeGreaterThanOrEqual(40_000); // buffered IDs of the dead server still served
    expect(workers.slice(0, switchAt).every((w) => w === 1)).toBe(true);
    expect(workers.slice(switchAt).every((w) => w === 2)).toBe(true);
    expect(strictlyIncreasing(ids.slice(0, switchAt))).toBe(true);
    expect(strictlyIncreasing(ids.slice(switchAt))).toBe(true);
    expect(client.stats.failures).toBeGreaterThanOrEqual(1);
    expect(client.stats.url).toBe(second.url);
    client.close();
  }, 60_000);

  it("503 with Retry-After: fails over at once, and asks that server again only after the wait", async () => {
    const unavailable = await failing(503, { "Retry-After": "1" });
    const real = await nodeServer(3);
    const client = createClient({ urls: [unavailable.url, real.url], prefetch: false });
    expect(workerOf(await client.next())).toBe(3);
    expect(unavailable.requests).toHaveLength(1);
    await client.next(); // sticks to the URL that answered
    expect(unavailable.requests).toHaveLength(1);

    await real.stop("SIGKILL");
    const started = Date.now();
    const error = await client.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    const failures = (error as ServiceUnavailableError).failures;
    expect(failures.map((f) => f.url).sort()).toEqual([unavailable.url, real.url].sort());
    expect(failures.find((f) => f.url === unavailable.url)?.status).toBe(503);
    // Three rounds (retries: 2); the 503 server was asked once per second at most, with jitter.
    expect(unavailable.requests).toHaveLength(3);
    for (const gap of gaps(unavailable)) {
      expect(gap).toBeGreaterThanOrEqual(1000);
      expect(gap).toBeLessThan(1200 + 300);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    client.close();
  }, 30_000);

  it("while every URL fails, buffered IDs are still served; then calls get ServiceUnavailableError", async () => {
    const real = await nodeServer(4);
    const unavailable = await failing(503, { "Retry-After": "1" });
    const client = createClient({
      urls: [real.url, unavailable.url],
      prefetch: { minBatch: 500, maxBatch: 500 },
      retries: 1,
    });
    await client.next();
    while (client.stats.fetched < 1000) await new Promise((resolve) => setTimeout(resolve, 10));
    await real.stop("SIGKILL");
    const served: string[] = [];
    for (let i = 0; i < 999; i++) served.push(await client.next());
    expect(new Set(served).size).toBe(999);
    expect(served.every((id) => workerOf(id) === 4)).toBe(true);
    await expect(client.next()).rejects.toBeInstanceOf(ServiceUnavailableError);
    client.close();
  }, 30_000);

  it("a Retry-After beyond maxRetryWaitMs fails at once, saying how long the server asked", async () => {
    const unavailable = await failing(503, { "Retry-After": "3600" });
    const client = createClient({ urls: unavailable.url, prefetch: false });
    const started = Date.now();
    const error = await client.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).retryAfterMs).toBeGreaterThanOrEqual(3_500_000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(unavailable.requests).toHaveLength(1);
    client.close();
  });

  it("without Retry-After, rounds back off exponentially with jitter", async () => {
    const broken = await failing(500, {});
    const client = createClient({
      urls: broken.url,
      prefetch: false,
      retries: 3,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
    });
    await expect(client.next()).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      failures: [{ url: broken.url, status: 500 }],
    });
    expect(broken.requests).toHaveLength(4);
    // Round n waits between half of and all of min(1000, 100 * 2^n) ms.
    gaps(broken).forEach((gap, round) => {
      const ceiling = Math.min(1000, 100 * 2 ** round);
      expect(gap).toBeGreaterThanOrEqual(ceiling / 2 - 2);
      expect(gap).toBeLessThan(ceiling + 150);
    });
    client.close();
  }, 30_000);
});
