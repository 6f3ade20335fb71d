// edgeflake/client inside workerd: the same code as on Node, with workerd's fetch and timers.
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { createClient, ServiceUnavailableError } from "../../src/client/index.ts";
import { createWorkerHandler } from "../../src/targets/worker.ts";
import { workerFetch } from "./support.ts";

const increasing = (ids: string[]) =>
  ids.every((id, i) => i === 0 || BigInt(id) > BigInt(ids[i - 1] as string));

describe("edgeflake/client in workerd", () => {
  it("against a real Node server: next() and batch() unique and increasing, decode matches /decode", async () => {
    const url = inject("edgeflakeUrl");
    const client = createClient({ urls: [url] });
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(await client.next());
    ids.push(...(await client.batch(500)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(increasing(ids)).toBe(true);
    const last = ids.at(-1) as string;
    const byServer = await (await fetch(`${url}/decode/${last}`)).json();
    expect(await client.decode(last)).toEqual(byServer);
    expect((await client.decode(last)).workerId).toBe(61);
    const big = createClient({ urls: url, type: "bigint", prefetch: false });
    expect(typeof (await big.next())).toBe("bigint");
    client.close();
    big.close();
  });

  // workerd logs "Network connection lost" for every refused connection, even a caught one.
  it("fails over from a URL nobody listens on, and gives a typed error when all fail", async () => {
    const url = inject("edgeflakeUrl");
    const client = createClient({ urls: ["http://127.0.0.1:9", url], prefetch: false });
    expect(await client.next()).toMatch(/^\d+$/);
    expect(client.stats).toMatchObject({ failures: 1, url });
    const dead = createClient({ urls: "http://127.0.0.1:9", retries: 1, backoffBaseMs: 10 });
    await expect(dead.next()).rejects.toBeInstanceOf(ServiceUnavailableError);
    client.close();
  });

  it("through a Worker's fetch (as with a service binding), no network", async () => {
    const handler = createWorkerHandler();
    const local = workerFetch(handler, { ...env, LEASE_TABLE: "", WORKER_ID: "62" });
    const client = createClient({
      urls: "http://edgeflake.internal",
      fetch: (input, init) => local(new URL(input).pathname + new URL(input).search, init),
    });
    const ids = await client.batch(3000);
    expect(increasing(ids)).toBe(true);
    expect((await client.decode(ids[0] as string)).workerId).toBe(62);
    client.close();
  });
});
