// The Node target's reused batch bodies (src/targets/body-pool.ts): a buffer is lent again only
// after its response closed. Shown with slow readers whose answers wait in the socket while other
// answers are written: every body they finally read holds its own IDs. A pool that gives buffers
// back at once (the negative control) hands them other answers' IDs.
import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { createService } from "../../src/service.ts";
import { nodeClock } from "../../src/system-clock.ts";
import { BodyPool, MIN_POOLED_BYTES, pooledBodyBuffer } from "../../src/targets/body-pool.ts";
import { createNodeServer } from "../../src/targets/node-server.ts";
import { recordingLogger } from "../support/doubles.ts";

const BATCH = 100_000; // ~2.1 MB per JSON body: a few of them outgrow the loopback socket buffers
const ENV = { WORKER_ID: "3", MAX_BATCH: String(BATCH) };

describe("BodyPool", () => {
  const response = () => {
    const emitter = new EventEmitter();
    return { once: emitter.once.bind(emitter), close: () => emitter.emit("close") };
  };

  it("lends a buffer of at least the size asked for, and again only after its response closed", () => {
    const pool = new BodyPool();
    const first = response();
    const a = pool.lend(100_000, first);
    expect(a.length).toBeGreaterThanOrEqual(100_000);
    const b = pool.lend(100_000, response());
    expect(b).not.toBe(a); // a is still out
    first.close();
    expect(pool.idleBytes).toBe(a.length);
    expect(pool.lend(90_000, response())).toBe(a); // same size class
    expect(pool.idleBytes).toBe(0);
  });

  it("leaves small bodies to the allocator and keeps at most maxFreeBytes idle", () => {
    const pool = new BodyPool(3 * 32 * 1024);
    const small = response();
    const tiny = pool.lend(MIN_POOLED_BYTES - 1, small);
    small.close();
    expect(pool.idleBytes).toBe(0);
    expect(pool.lend(MIN_POOLED_BYTES - 1, response())).not.toBe(tiny);

    const answers = [response(), response(), response(), response()];
    for (const r of answers) pool.lend(20_000, r); // 32 KiB each
    for (const r of answers) r.close();
    expect(pool.idleBytes).toBe(3 * 32 * 1024);
  });
});

/** `pipelined` requests for BATCH IDs on one socket that reads nothing for `holdMs`; the bodies. */
async function slowReader(url: string, pipelined: number, holdMs: number): Promise<string[]> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  await new Promise((resolve) => socket.once("connect", resolve));
  const request = `GET /generate?count=${BATCH} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
  socket.write(request.repeat(pipelined));
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  const bodies: string[] = [];
  let buffer = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => resolve(bodies));
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) break;
        const head = buffer.subarray(0, end).toString();
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        if (buffer.length < end + 4 + length) break;
        bodies.push(buffer.subarray(end + 4, end + 4 + length).toString());
        buffer = buffer.subarray(end + 4 + length);
      }
      if (bodies.length === pipelined) socket.end();
    });
    socket.resume();
  });
}

/** Slow readers and a prompt one at once; every body each got, and the count of distinct IDs. */
async function readersAtOnce(url: string): Promise<{ bodies: string[]; distinct: number }> {
  const prompt = (async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++)
      bodies.push(await (await fetch(`${url}/generate?count=${BATCH}`)).text());
    return bodies;
  })();
  const slow = [1, 2, 3].map(() => slowReader(url, 6, 400));
  const bodies = (await Promise.all([prompt, ...slow])).flat();
  const ids = bodies.flatMap((body) => {
    try {
      return (JSON.parse(body) as { ids: string[] }).ids;
    } catch {
      return []; // a torn body
    }
  });
  return { bodies, distinct: new Set(ids).size };
}

describe("reused bodies under slow readers", () => {
  const servers: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("the Node target: every body read late still holds its own IDs", async () => {
    const node = createNodeServer(ENV, {
      port: 0,
      host: "127.0.0.1",
      processMetrics: false,
      logger: recordingLogger().logger,
    });
    await node.start();
    servers.push({ close: () => node.shutdown() });

    const { bodies, distinct } = await readersAtOnce(node.url);
    expect(bodies).toHaveLength(6 + 3 * 6);
    for (const body of bodies) {
      const ids = (JSON.parse(body) as { ids: string[] }).ids.map(BigInt);
      expect(ids).toHaveLength(BATCH);
      expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint))).toBe(true);
    }
    expect(distinct).toBe(bodies.length * BATCH);
  }, 60_000);

  it("negative control: a buffer given back at once reaches a slow reader overwritten", async () => {
    const shared = new Uint8Array(4 * 1024 * 1024);
    const { app } = createService(parseConfig(ENV, Date.now()), {
      clock: nodeClock,
      logger: recordingLogger().logger,
      runtime: "node",
      version: "test",
      bodyBuffer: (bytes, _env) => shared.subarray(0, bytes),
    });
    const server: Server = createServer(getRequestListener(app.fetch));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push({ close: () => new Promise((resolve) => server.close(resolve)) });
    const { port } = server.address() as { port: number };

    const { bodies, distinct } = await readersAtOnce(`http://127.0.0.1:${port}`);
    expect(bodies).toHaveLength(6 + 3 * 6);
    expect(distinct).toBeLessThan(bodies.length * BATCH);
  }, 60_000);

  it("pooledBodyBuffer: without a ServerResponse in env (in-process fetch) a new buffer each time", () => {
    const allocate = pooledBodyBuffer(new BodyPool());
    const a = allocate(MIN_POOLED_BYTES * 4, {});
    expect(a.length).toBe(MIN_POOLED_BYTES * 4);
    expect(allocate(MIN_POOLED_BYTES * 4, undefined)).not.toBe(a);
  });
});
