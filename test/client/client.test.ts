// The client against the real app on a loopback socket: buffering, types, sizing, maxAgeMs,
// typed errors and aborts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClientClosedError,
  ClientOptionsError,
  createClient,
  InvalidCountError,
  InvalidIdError,
  RequestRejectedError,
} from "../../src/client/index.ts";
import {
  type LocalServer,
  startAppServer,
  startSilentServer,
  strictlyIncreasing,
} from "./support.ts";

const TOKEN = "client-test-token-0123456789";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("edgeflake/client against a real server", () => {
  let server: LocalServer;
  let authed: LocalServer;
  let small: LocalServer;

  beforeAll(async () => {
    server = await startAppServer({ WORKER_ID: "21" });
    authed = await startAppServer({ WORKER_ID: "22", AUTH_TOKEN: TOKEN });
    small = await startAppServer({ WORKER_ID: "23", MAX_BATCH: "500" });
  });
  afterAll(async () => {
    await Promise.all([server?.close(), authed?.close(), small?.close()]);
  });

  it("next() and batch() hand out decimal strings, unique and strictly increasing, in call order", async () => {
    const client = createClient({ urls: server.url });
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(await client.next());
    ids.push(...(await client.batch(5000)));
    // Concurrent calls resolve in the order they were made.
    const concurrent = await Promise.all([client.next(), client.batch(3), client.next()]);
    ids.push(concurrent[0], ...concurrent[1], concurrent[2]);
    expect(ids.every((id) => typeof id === "string" && /^\d+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(strictlyIncreasing(ids)).toBe(true);
    client.close();
  });

  it("bigint on request, never a number; hex and base62 strings are fixed width", async () => {
    const big = createClient({ urls: server.url, type: "bigint" });
    const [a, b] = [await big.next(), ...(await big.batch(2))];
    expect(typeof a).toBe("bigint");
    expect(typeof b).toBe("bigint");
    expect((b as bigint) > a).toBe(true);
    const hex = createClient({ urls: server.url, format: "hex" });
    expect(await hex.next()).toMatch(/^[0-9a-f]{16}$/);
    const base62 = createClient({ urls: server.url, format: "base62" });
    const ids = await base62.batch(100);
    expect(ids.every((id) => /^[0-9A-Za-z]{11}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids); // string order is numeric order
    for (const client of [big, hex, base62]) client.close();
  });

  it("decode() uses the layout of GET /layout, read once, and matches the server's /decode", async () => {
    const client = createClient({ urls: server.url, format: "hex" });
    const ids = await client.batch(3);
    for (const id of ids) {
      const byServer = await (await fetch(`${server.url}/decode/${id}?format=hex`)).json();
      expect(await client.decode(id)).toEqual(byServer);
    }
    expect(server.requests.filter((r) => r.path === "/layout")).toHaveLength(1);
    expect((await client.layout()).name).toBe("classic");
    await expect(client.decode("not hex!")).rejects.toBeInstanceOf(InvalidIdError);
    // The largest ID decodes to a time far in the future: not an ID of this layout.
    await expect(client.decode("7fffffffffffffff")).rejects.toBeInstanceOf(InvalidIdError);
    client.close();
  });

  it("double buffer: the next refill is in flight before the buffer runs out", async () => {
    const client = createClient({ urls: server.url, prefetch: { minBatch: 100, maxBatch: 100 } });
    const fetched = async (count: number) => {
      while (client.stats.fetched < count) await sleep(5);
    };
    await client.next(); // the first fetch: 100 IDs, one taken, so the buffer is below the mark
    await fetched(200); // the refill arrived in the background, without another call
    expect(client.stats).toMatchObject({ fetched: 200, served: 1, buffered: 199, refillSize: 100 });
    for (let i = 0; i < 99; i++) await client.next(); // 100 left: at the mark, no refill yet
    await sleep(50);
    expect(client.stats.fetched).toBe(200);
    await client.next();
    await fetched(300);
    expect(client.stats).toMatchObject({ fetched: 300, served: 101, requests: 3 });
    client.close();
  });

  it("refills grow with the consumption rate up to maxBatch and shrink, by halves, when it drops", async () => {
    const client = createClient({
      urls: server.url,
      prefetch: { minBatch: 8, maxBatch: 2000, targetMs: 100 },
    });
    for (let i = 0; i < 20_000; i++) await client.next();
    expect(client.stats.refillSize).toBe(2000);
    const before = server.requests.length;
    const sizes: number[] = [];
    for (let i = 0; i < 8000; i++) {
      await client.next();
      if (client.stats.refillSize !== sizes.at(-1)) sizes.push(client.stats.refillSize);
      if (i % 100 === 0) await sleep(10); // at most 10k IDs/s: a 100 ms refill is 1000 IDs
    }
    expect(Math.min(...sizes)).toBeLessThan(2000);
    for (let i = 1; i < sizes.length; i++) {
      expect(sizes[i] as number).toBeGreaterThanOrEqual(Math.ceil((sizes[i - 1] as number) / 2));
    }
    const counts = server.requests
      .slice(before)
      .map((r) => Number(/count=(\d+)/.exec(r.path)?.[1]));
    expect(Math.max(...counts)).toBeLessThanOrEqual(2000);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(8);
    client.close();
  });

  it("maxAgeMs: buffered IDs older than that are discarded, never served", async () => {
    const client = createClient({ urls: server.url, maxAgeMs: 150, type: "bigint" });
    await client.next();
    const { buffered } = client.stats;
    expect(buffered).toBeGreaterThan(0);
    await sleep(300);
    const askedAt = Date.now();
    const id = await client.next();
    expect(client.stats.discarded).toBeGreaterThanOrEqual(buffered);
    const { timestamp } = await client.decode(id);
    expect(timestamp).toBeGreaterThanOrEqual(askedAt - 150);
    client.close();
  });

  it("prefetch: false fetches exactly what is asked, in chunks of the server's MAX_BATCH", async () => {
    const client = createClient({ urls: small.url, prefetch: false });
    const ids = await client.batch(1200);
    expect(ids).toHaveLength(1200);
    expect(strictlyIncreasing(ids)).toBe(true);
    await client.next();
    expect(client.stats).toMatchObject({ fetched: 1201, served: 1201, buffered: 0 });
    const counts = small.requests
      .map((r) => /count=(\d+)/.exec(r.path)?.[1])
      .filter((count) => count !== undefined);
    // 10000 (the default guess) is refused, /layout says 500, then 500 + 500 + 200 and 1.
    expect(counts).toEqual(["1200", "500", "500", "200", "1"]);
    client.close();
  });

  it("the token is sent; a wrong one is a RequestRejectedError at once, without retries", async () => {
    const good = createClient({ urls: authed.url, token: TOKEN });
    expect(await good.next()).toMatch(/^\d+$/);
    const bad = createClient({ urls: [authed.url, server.url], token: "wrong-token-0123456789" });
    const error = await bad.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({ status: 401, code: "REQUEST_REJECTED" });
    expect(bad.stats.requests).toBe(1);
    for (const client of [good, bad]) client.close();
  });

  it("bad options and counts are typed errors", async () => {
    expect(() => createClient({ urls: [] })).toThrow(ClientOptionsError);
    expect(() => createClient({ urls: "ftp://x" })).toThrow(/not an http\(s\) URL/);
    expect(() => createClient({ urls: "http://x", timeoutMs: -1 })).toThrow(ClientOptionsError);
    expect(() => createClient({ urls: "http://x", prefetch: { minBatch: 0 } })).toThrow(
      /prefetch.minBatch/,
    );
    const client = createClient({ urls: server.url });
    await expect(client.batch(0)).rejects.toBeInstanceOf(InvalidCountError);
    await expect(client.batch(1.5)).rejects.toBeInstanceOf(InvalidCountError);
    client.close();
  });

  it("each request times out; a hung server is failed over", async () => {
    const hung = await startSilentServer();
    const client = createClient({ urls: [hung.url, server.url], timeoutMs: 200 });
    const started = Date.now();
    expect(await client.next()).toMatch(/^\d+$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(client.stats).toMatchObject({ failures: 1, url: server.url });
    client.close();
    await hung.close();
  });

  it("aborting: a call's own signal gives up that call; the client's signal closes the client", async () => {
    const hung = await startSilentServer();
    const controller = new AbortController();
    const client = createClient({ urls: hung.url, signal: controller.signal, timeoutMs: 10_000 });
    const call = new AbortController();
    const first = client.next({ signal: call.signal });
    call.abort(new Error("caller gave up"));
    await expect(first).rejects.toThrow("caller gave up");
    const second = client.batch(5);
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.next()).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
    await hung.close();
  });
});
