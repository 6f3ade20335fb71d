import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS, decodeId, type Layout } from "../../src/core/index.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/index.ts";
import { createLambdaHandler } from "../../src/targets/lambda.ts";
import { startTestStore, type TestDynamo } from "../lease/support/test-store.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type FetchLike, httpApiEvent, lambdaFetch, restApiEvent } from "./events.ts";

const TOKEN = "lambda-test-token-0123456789";
const TTL_MS = 60_000;

async function ids(fetch: FetchLike, count = 3): Promise<bigint[]> {
  const response = await fetch(`/generate?count=${count}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { ids: string[] }).ids.map((id) => BigInt(id));
}

function expectIncreasing(all: bigint[]): void {
  for (let i = 1; i < all.length; i++)
    expect(all[i] as bigint).toBeGreaterThan(all[i - 1] as bigint);
}

describe("Lambda events", () => {
  it("v1: multi-value headers are read (the token only there) and answered as multiValueHeaders", async () => {
    const handler = createLambdaHandler({ WORKER_ID: "9", AUTH_TOKEN: TOKEN });
    const event = await restApiEvent("/generate?count=2", undefined, {
      multiHeaders: { Authorization: [`Bearer ${TOKEN}`], Accept: ["text/plain"] },
    });
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect(result.multiValueHeaders?.["content-type"]?.[0]).toMatch(/^text\/plain/);
    expect(result.multiValueHeaders?.["cache-control"]).toEqual(["no-store"]);
    expect(result.body.trimEnd().split("\n")).toHaveLength(2);
  });

  it("v2: single-value headers, JSON body not base64-encoded", async () => {
    const handler = createLambdaHandler({ WORKER_ID: "9" });
    const result = await handler(await httpApiEvent("/generate"));
    expect(result).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(result.headers?.["content-type"]).toMatch(/^application\/json/);
    expect(result.body).toMatch(/^\{"id":"\d+"\}$/);
  });

  it("base64-encoded request bodies are decoded (and refused with 405 here, as a problem)", async () => {
    for (const event of [
      await httpApiEvent("/generate", { method: "POST", body: "count=5" }, { base64Body: true }),
      await restApiEvent(
        "/generate",
        { method: "POST", body: "\u0000\u00ffbinary" },
        { base64Body: true },
      ),
    ]) {
      expect((event as { isBase64Encoded: boolean }).isBase64Encoded).toBe(true);
      const result = await createLambdaHandler({ WORKER_ID: "9" })(event);
      expect(result.statusCode).toBe(405);
      expect(JSON.parse(result.body)).toMatchObject({ status: 405 });
    }
  });

  it("bad configuration answers 500 naming the variables, values only in the log", async () => {
    const handler = createLambdaHandler({ WORKER_ID: "4096", LOG_LEVEL: "silent" });
    const response = await lambdaFetch(handler, "v2")("/generate");
    expect(response.status).toBe(500);
    const { detail } = (await response.json()) as { detail: string };
    expect(detail).toMatch(/WORKER_ID/);
    expect(detail).not.toMatch(/4096/);
  });
});

describe("Lambda leasing: one lease per execution environment, re-checked on every invocation", () => {
  const layout = createLayout("custom:41/1/21/1", DEFAULT_EPOCH_MS, Date.now());
  const env = {
    LEASE_TABLE: "unused-with-a-store",
    LEASE_TTL_MS: String(TTL_MS),
    LAYOUT: "custom:41/1/21/1", // two worker IDs, so takeovers can be forced
    LOG_LEVEL: "silent",
  };
  const decoded = (id: bigint, l: Layout = layout) => decodeId(id, l);

  function environment(clock: FakeClock, table: MemoryLeaseTable) {
    const store = new MemoryLeaseStore("edgeflake", table);
    return lambdaFetch(createLambdaHandler(env, { clock, store }), "v2");
  }

  it("acquires on the first invocation, renews inline after ttl/3 and after a freeze past expiry", async () => {
    const clock = new FakeClock(Date.now());
    const table = new MemoryLeaseTable();
    const store = new MemoryLeaseStore("edgeflake", table);
    const fetch = environment(clock, table);
    expect(await store.list()).toEqual([]);
    const first = await ids(fetch);
    const acquired = (await store.list())[0];
    expect(acquired?.expiresAt).toBe(clock.ms + TTL_MS);

    clock.advance(TTL_MS / 10);
    const quiet = await ids(fetch);
    expect((await store.list())[0]?.version).toBe(acquired?.version); // no write while fresh

    clock.advance(TTL_MS / 3); // the renewal is done by the time the invocation returns
    const renewedIds = await ids(fetch);
    const renewed = (await store.list())[0];
    expect(renewed?.version).toBe((acquired?.version as number) + 1);
    expect(renewed?.expiresAt).toBe(clock.ms + TTL_MS);

    clock.advance(10 * TTL_MS); // frozen for 10 minutes; nobody took the worker ID
    const thawed = await ids(fetch);
    expect((await store.list())[0]?.expiresAt).toBe(clock.ms + TTL_MS);
    const all = [...first, ...quiet, ...renewedIds, ...thawed];
    expectIncreasing(all);
    expect(new Set(all.map((id) => decoded(id).workerId)).size).toBe(1);
  });

  it("a lease lost during a freeze: 503 while none is free, then re-acquired above the new holder's fence", async () => {
    const clock = new FakeClock(Date.now());
    const table = new MemoryLeaseTable();
    const store = new MemoryLeaseStore("edgeflake", table);
    const a = environment(clock, table);
    const c = environment(clock, table);
    const fromA = await ids(a, 100);
    await ids(c, 1);
    const workerX = decoded(fromA[0] as bigint).workerId;
    const aExpiresAt = (await store.get(workerX))?.expiresAt as number;

    clock.advance(TTL_MS + 1); // A frozen past its lease; C renews; B takes A's worker ID
    await ids(c, 1);
    const b = environment(clock, table);
    const fromB = await ids(b, 100);
    expect(decoded(fromB[0] as bigint).workerId).toBe(workerX);
    expect(decoded(fromB[0] as bigint).timestamp).toBeGreaterThanOrEqual(aExpiresAt);

    const refused = await a("/generate"); // A thaws: its lease changed hands, nothing is free
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ type: "urn:edgeflake:problem:no-free-worker-id" });
    const unhealthy = await a("/health", { headers: { Accept: "application/json" } });
    expect(unhealthy.status).toBe(503);

    const bExpiresAt = (await store.get(workerX))?.expiresAt as number;
    clock.advance(TTL_MS / 2); // C keeps renewing ...
    await ids(c, 1);
    clock.advance(TTL_MS / 2 + 1); // ... B is frozen past its lease: A re-acquires X with B's fence
    await ids(c, 1);
    const again = await ids(a, 100);
    expect(decoded(again[0] as bigint).workerId).toBe(workerX);
    expect(decoded(again[0] as bigint).timestamp).toBeGreaterThanOrEqual(bExpiresAt);
    const all = [...fromA, ...fromB, ...again];
    expect(new Set(all).size).toBe(all.length);
    expectIncreasing(all);
  });
});

describe("Lambda leasing with the lease store unreachable", () => {
  it("fails closed: /generate 503 (lease-store-unavailable), /health 503 naming the store error", async () => {
    const env = {
      LEASE_TABLE: "edgeflake-leases",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:9", // discard port: connection refused
      LOG_LEVEL: "silent",
    };
    const fetch = lambdaFetch(createLambdaHandler(env), "v2");
    const refused = await fetch("/generate");
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      type: "urn:edgeflake:problem:lease-store-unavailable",
    });
    const health = await fetch("/health");
    expect(health.status).toBe(503);
    expect(await health.text()).toMatch(
      /lease: worker-ID lease none held yet; last store operation failed/,
    );
  });
});

describe("Lambda leasing from the environment alone (DynamoDB API on dynalite)", () => {
  let db: TestDynamo;
  let table: string;
  beforeAll(async () => {
    db = await startTestStore();
    table = await db.table("lambda");
  });
  afterAll(() => db?.stop());

  it("two execution environments lease distinct worker IDs; IDs unique across both", async () => {
    const env = {
      LEASE_TABLE: table,
      DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/11/25/[$LATEST]0123456789abcdef",
      LOG_LEVEL: "silent",
    };
    const classic = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
    const one = lambdaFetch(createLambdaHandler(env), "v2");
    const two = lambdaFetch(createLambdaHandler(env), "v1");
    const all: bigint[] = [];
    for (let i = 0; i < 5; i++) all.push(...(await ids(one, 200)), ...(await ids(two, 200)));
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all.map((id) => decodeId(id, classic).workerId)).size).toBe(2);
    const metrics = await (await one("/metrics")).text();
    expect(metrics).toMatch(/^snowflake_lease_state\{worker="\d+",state="held"\} 1$/m);
    expect(metrics).toMatch(/runtime="lambda"/);
  });
});
