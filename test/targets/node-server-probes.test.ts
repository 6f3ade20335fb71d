// createNodeServer's start-up in this process (issue #15): `start` listens at once and leases in the
// background; `ready` resolves once a lease is held, and rejects when leasing fails for good.
import { afterEach, describe, expect, it } from "vitest";
import { LeaseStoreUnavailableError, NamespaceMismatchError } from "../../src/lease/errors.ts";
import { createNodeServer, type NodeServer } from "../../src/targets/node-server.ts";
import { failingStore, recordingLogger } from "../support/doubles.ts";

const quiet = { port: 0, host: "127.0.0.1", processMetrics: false } as const;
// The shortest TTL allowed: retries come every TTL/60 to TTL/6 (17-167 ms).
const LEASED = { LEASE_TABLE: "edgeflake-leases", AWS_REGION: "us-east-1", LEASE_TTL_MS: "1000" };

const statusOf = async (node: NodeServer, path: string) => (await fetch(node.url + path)).status;

describe("createNodeServer start-up", () => {
  const started: NodeServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.shutdown()));
  });

  it("start listens while the store is down; ready once it answers", async () => {
    const { store, state: fault } = failingStore();
    fault.error = new LeaseStoreUnavailableError("connection refused", true);
    const { logger, messages } = recordingLogger();
    const node = createNodeServer(LEASED, { ...quiet, logger, store });
    started.push(node);
    await node.start();
    let ready = false;
    void node.ready().then(() => {
      ready = true;
    });
    expect(messages).toContain("listening");
    expect(await statusOf(node, "/livez")).toBe(200);
    expect(await statusOf(node, "/readyz")).toBe(503);
    expect(await statusOf(node, "/generate")).toBe(503);
    expect(ready).toBe(false);

    fault.error = undefined;
    await node.ready();
    expect(messages).toContain("no worker-ID lease yet; retrying");
    expect(messages.at(-1)).toBe("ready");
    expect(await statusOf(node, "/readyz")).toBe(200);
    expect(await statusOf(node, "/generate")).toBe(200);
  });

  it("ready rejects when waiting cannot help (a namespace bound to another layout), while still listening", async () => {
    const { store, state: fault } = failingStore();
    fault.error = new NamespaceMismatchError("edgeflake", "layout sonyflake", "layout classic");
    const node = createNodeServer(LEASED, { ...quiet, logger: recordingLogger().logger, store });
    started.push(node);
    await node.start();
    await expect(node.ready()).rejects.toThrow(NamespaceMismatchError);
    expect(await statusOf(node, "/livez")).toBe(200); // node.ts exits 1 on this rejection
  });

  it("static mode: ready as soon as it listens", async () => {
    const { logger, messages } = recordingLogger();
    const node = createNodeServer({ WORKER_ID: "5" }, { ...quiet, logger });
    started.push(node);
    await expect(node.ready()).rejects.toThrow(/before start/);
    await node.start();
    await node.ready();
    expect(messages).toEqual(["listening", "ready"]);
    expect(await statusOf(node, "/readyz")).toBe(200);
  });
});
