// Issue #15: the Node target (`node src/targets/node.ts`) probed the way the Kubernetes manifest
// probes it, through a lease-store outage and through a start with the store down.
//
// Scaling: the manifest runs LEASE_TTL_MS=30000 and the incident to survive is a 2-minute store
// outage, 4 TTLs. Every leasing deadline is a fraction of the TTL (renewal at TTL/3, /readyz and
// /health turn at 2 TTL/3, the lease lapses at TTL, backoff TTL/60 to TTL/6), so with a 1.5 s TTL
// the same outage is 4 TTLs = 6 s, and the probe periods scale by the same 1/20: the removed
// liveness probe on /health (10 s x 6 failures = 60 s) becomes 3 s. Probe timeouts are not scaled:
// they bound how fast this machine answers, not the outage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeEntry } from "../../scripts/lib/node-entry.ts";
import { waitFor } from "../../scripts/lib/wait-for.ts";
import { readYaml } from "../infra/support.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

const container = readYaml("infra/k8s/deployment.yaml").spec.template.spec.containers[0];
const manifestTtlMs = Number(
  container.env.find((e: { name: string }) => e.name === "LEASE_TTL_MS").value,
);
const TTL_MS = 1_500;
const SCALE = TTL_MS / manifestTtlMs;
const OUTAGE_MS = 120_000 * SCALE;
const PROBE_TIMEOUT_MS = container.livenessProbe.timeoutSeconds * 1000;
// The liveness probe this issue replaced: /health every 10 s, restart after 6 failures in a row.
const OLD_LIVENESS_WINDOW_MS = 10_000 * 6 * SCALE;

let db: TestDynamo;
const running: NodeProcess[] = [];
beforeAll(async () => {
  db = await startTestStore({ restartable: true });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop("SIGKILL")));
  if (!db.running) await db.start();
});
afterAll(async () => {
  await db.dispose();
});

async function start(ready = true): Promise<NodeProcess> {
  const env = {
    LEASE_TABLE: await db.table("probes"),
    DYNAMODB_ENDPOINT: db.endpoint,
    LEASE_TTL_MS: String(TTL_MS),
  };
  if (!ready) await db.stop(); // the table exists; the store is down when the process starts
  const server = await startNodeEntry(env, { ready });
  running.push(server);
  return server;
}

interface Sample {
  atMs: number;
  livez: number;
  readyz: number;
  health: number;
  generate: number;
}

/** A status, or 0 when there was no answer within the probe timeout. */
async function status(server: NodeProcess, path: string): Promise<number> {
  try {
    const response = await fetch(`${server.url}${path}`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Probes every 50 ms (far more often than the kubelet) for `durationMs`. */
async function probe(server: NodeProcess, durationMs: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const atMs = Date.now();
    const [livez, readyz, health, generate] = await Promise.all(
      ["/livez", "/readyz", "/health", "/generate"].map((path) => status(server, path)),
    );
    samples.push({ atMs, livez, readyz, health, generate } as Sample);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return samples;
}

/** The longest run of consecutive samples failing `failed`, in ms from its first to its last. */
function longestFailure(samples: Sample[], failed: (s: Sample) => boolean): number {
  let longest = 0;
  let since: number | undefined;
  for (const s of samples) {
    if (!failed(s)) since = undefined;
    else {
      since ??= s.atMs;
      longest = Math.max(longest, s.atMs - since);
    }
  }
  return longest;
}

const batch = async (server: NodeProcess) =>
  (await server.json<{ ids: string[] }>("/generate?count=100")).ids.map(BigInt);

describe("Kubernetes probes on the Node target", () => {
  it("a 2-minute store outage (scaled): /livez 200 throughout, /readyz 503 once the lease is about to lapse, full recovery after", async () => {
    const server = await start();
    expect(await status(server, "/readyz")).toBe(200);
    const before = (await batch(server)).at(-1) as bigint;

    await db.stop();
    const samples = await probe(server, OUTAGE_MS);
    await db.start();

    // No restart-worthy liveness failure: not one /livez probe failed, let alone 3 in a row.
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((s) => s.livez !== 200)).toEqual([]);
    // The negative control: /health was 503 long enough for the old liveness probe to restart.
    expect(longestFailure(samples, (s) => s.health !== 200)).toBeGreaterThan(
      OLD_LIVENESS_WINDOW_MS,
    );
    // Readiness turned before IDs stopped (the pod leaves the Service first), then stayed off.
    const notReady = samples.findIndex((s) => s.readyz === 503);
    const refusing = samples.findIndex((s) => s.generate === 503);
    expect(notReady).toBeGreaterThanOrEqual(0);
    expect(refusing).toBeGreaterThan(notReady);
    expect(samples.slice(notReady).every((s) => s.readyz === 503)).toBe(true);
    expect(samples.slice(0, notReady).every((s) => s.generate === 200)).toBe(true);
    expect(samples.at(-1)?.generate).toBe(503); // the outage outlived the lease by far

    // Recovery by itself, in the same process: ready, healthy, issuing above every earlier ID.
    await waitFor(
      "/readyz 200",
      async () => ((await status(server, "/readyz")) === 200 ? true : undefined),
      10_000,
    );
    expect(await status(server, "/livez")).toBe(200);
    expect(await status(server, "/health")).toBe(200);
    const after = await batch(server);
    expect(after[0] as bigint).toBeGreaterThan(before); // a batch is strictly increasing
    expect(server.child.exitCode).toBeNull();
    expect(server.logs.filter((l) => l.msg === "listening")).toHaveLength(1);
  });

  it("listens at once with the store down: /livez 200, /readyz and /generate 503 (problem, Retry-After) until a lease is held", async () => {
    const server = await start(false);
    await server.waitForLog((log) => log.msg === "listening");
    await server.waitForLog((log) => log.msg === "no worker-ID lease yet; retrying");
    expect(await server.get("/livez")).toEqual({ status: 200, text: "OK: live" });
    expect(await server.get("/readyz")).toMatchObject({
      status: 503,
      text: /lease: worker-ID lease none held yet$/,
    });
    const refused = await fetch(`${server.url}/generate`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({
      status: 503,
      type: "urn:edgeflake:problem:lease-expired",
    });
    expect(server.logs.some((l) => l.msg === "ready")).toBe(false);

    await db.start();
    const ready = await server.waitForLog((log) => log.msg === "ready", 10_000);
    expect(ready.workerId).toEqual(expect.any(Number));
    expect(await status(server, "/readyz")).toBe(200);
    expect((await batch(server)).length).toBe(100);
    expect(server.child.exitCode).toBeNull();
  });

  it("SIGTERM while still waiting for a lease shuts down cleanly (exit 0), not as a leasing failure", async () => {
    const server = await start(false);
    await server.waitForLog((log) => log.msg === "no worker-ID lease yet; retrying");
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.logs.map((l) => l.msg)).toContain("stopped");
    expect(server.logs.map((l) => l.msg)).not.toContain("cannot lease a worker ID; exiting");
  });
});
