// createNodeServer in this process: the HTTP contract over a loopback socket, leasing (a memory
// store) before listening, the injected clock, and shutdown releasing the lease after the last request.
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.ts";
import { decodeId } from "../../src/core/decode.ts";
import { MemoryLeaseStore } from "../../src/lease/index.ts";
import { createNodeServer, type NodeServer } from "../../src/targets/node-server.ts";
import { httpContract } from "../http/contract.ts";
import { recordingLogger } from "../support/doubles.ts";
import { FakeClock } from "../support/fake-clock.ts";

const quiet = { port: 0, host: "127.0.0.1", processMetrics: false } as const;

httpContract("Node server in-process (createNodeServer, loopback socket)", async (env) => {
  const node = createNodeServer(env, { ...quiet, logger: recordingLogger().logger });
  await node.start();
  return {
    fetch: (path, init) => fetch(node.url + path, init),
    close: () => node.shutdown(),
  };
});

describe("createNodeServer", () => {
  const started: NodeServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.shutdown()));
  });

  it("throws ConfigError on a bad value, before building anything", () => {
    expect(() => createNodeServer({ MAX_BATCH: "many" }, quiet)).toThrow(ConfigError);
  });

  it("leases before listening, issues at the injected clock's time, and releases on shutdown", async () => {
    const clock = new FakeClock(Date.parse("2026-06-01T00:00:00Z"));
    const store = new MemoryLeaseStore();
    const { logger, messages } = recordingLogger();
    const env = { LEASE_TABLE: "edgeflake-leases", AWS_REGION: "us-east-1", LAYOUT: "classic" };
    const node = createNodeServer(env, { ...quiet, clock, logger, store });
    started.push(node);
    expect(node.leaser).toBeDefined();
    await node.acquireLease();
    expect(messages).not.toContain("listening");
    expect((await store.list()).length).toBe(1);
    await node.listen();
    expect(node.port).toBeGreaterThan(0);
    const { id } = (await (await fetch(`${node.url}/generate`)).json()) as { id: string };
    const decoded = decodeId(BigInt(id), node.generator.layout);
    expect(decoded.timestamp).toBe(clock.now());
    expect(decoded.workerId).toBe(node.generator.workerId);

    const heldUntil = (await store.list())[0]?.expiresAt ?? 0;
    const first = node.shutdown("test");
    expect(node.shutdown()).toBe(first); // one shutdown per server
    await first;
    // Released after the last request: the item now ends just past the last issued timestamp.
    expect((await store.list())[0]?.expiresAt).toBeLessThan(heldUntil);
    expect(messages.slice(-3)).toEqual(["shutting down", "released worker-ID lease", "stopped"]);
    expect(node.server.listening).toBe(false);
  });

  it("static mode has no leaser; start listens at once", async () => {
    const node = createNodeServer(
      { WORKER_ID: "5" },
      { ...quiet, logger: recordingLogger().logger },
    );
    started.push(node);
    expect(node.leaser).toBeUndefined();
    await node.start();
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
  });
});
