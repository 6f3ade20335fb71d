// The HTTP contract, written against a fetch-like function so the very same cases run in-process,
// against the real Node server, inside workerd and through the Lambda handler.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export type FetchLike = (path: string, init?: RequestInit) => Promise<Response>;

export interface ContractTarget {
  fetch: FetchLike;
  close?: () => Promise<void>;
}

/** Builds a target from environment variables (always a static worker ID unless the env says otherwise). */
export type TargetFactory = (env: Record<string, string>) => Promise<ContractTarget>;

export const CONTRACT_TOKEN = "contract-test-token-0123456789";
const METRICS_TOKEN = "metrics-test-token-0123456789";
const MAX_ID = 2n ** 63n - 1n;

async function expectProblem(
  response: Response,
  status: number,
  detail?: RegExp,
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const raw = await response.text();
  expect(raw).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
  const body = JSON.parse(raw) as Record<string, unknown>;
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(body.type).toMatch(/^(urn:edgeflake:problem:[a-z-]+|about:blank)$/);
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

function isIncreasing(ids: bigint[]): boolean {
  return ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint));
}

/** Registers the whole contract suite for one way of reaching the app. */
export function httpContract(name: string, factory: TargetFactory): void {
  describe(`HTTP contract: ${name}`, () => {
    let open: ContractTarget;
    let authed: ContractTarget;
    const get = (path: string, headers: Record<string, string> = {}) =>
      open.fetch(path, { headers });

    beforeAll(async () => {
      open = await factory({ WORKER_ID: "42" });
      authed = await factory({ WORKER_ID: "43", AUTH_TOKEN: CONTRACT_TOKEN, METRICS_TOKEN });
    });
    afterAll(async () => {
      await open?.close?.();
      await authed?.close?.();
    });

    it("GET /generate returns one decimal ID as a JSON string, not cached", async () => {
      const response = await get("/generate");
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const raw = await response.text();
      expect(raw).toMatch(/^\{"id":"\d{1,19}"\}$/);
      const id = BigInt((JSON.parse(raw) as { id: string }).id);
      expect(id).toBeGreaterThan(0n);
      expect(id).toBeLessThanOrEqual(MAX_ID);
    });

    it("count=N returns N unique, strictly increasing ID strings", async () => {
      const first = (await (await get("/generate?count=5")).json()) as { ids: string[] };
      const second = (await (await get("/generate?count=1")).json()) as { ids: string[] };
      expect(first.ids).toHaveLength(5);
      expect(second.ids).toHaveLength(1);
      const all = [...first.ids, ...second.ids].map((id) => BigInt(id));
      expect(isIncreasing(all)).toBe(true);
    });

    it("the maximum batch (10000) is unique and ordered", async () => {
      const response = await get("/generate?count=10000");
      expect(response.status).toBe(200);
      const { ids } = (await response.json()) as { ids: string[] };
      expect(ids).toHaveLength(10_000);
      expect(isIncreasing(ids.map((id) => BigInt(id)))).toBe(true);
    });

    it("formats: hex is 16 digits, base62 11 characters, and each decodes back", async () => {
      for (const [format, pattern] of [
        ["decimal", /^\d{1,19}$/],
        ["hex", /^[0-9a-f]{16}$/],
        ["base62", /^[0-9A-Za-z]{11}$/],
      ] as const) {
        const { ids } = (await (await get(`/generate?count=3&format=${format}`)).json()) as {
          ids: string[];
        };
        expect([...ids].sort()).toEqual(ids);
        for (const id of ids) {
          expect(id).toMatch(pattern);
          const response = await get(`/decode/${id}?format=${format}`);
          expect(response.status).toBe(200);
          const decoded = (await response.json()) as Record<string, unknown>;
          expect(decoded).toMatchObject({ workerId: 42, time: expect.any(String) });
          expect(typeof decoded.id).toBe("string");
          expect(Date.parse(decoded.time as string)).toBe(decoded.timestamp);
          expect(Math.abs((decoded.timestamp as number) - Date.now())).toBeLessThan(60_000);
        }
      }
    });

    it("decode returns the exact fields of a known ID", async () => {
      // 1 s after the default epoch, worker 1, sequence 0
      const response = await get("/decode/4194308096");
      expect(await response.json()).toEqual({
        id: "4194308096",
        timestamp: 1735689601000,
        time: "2025-01-01T00:00:01.000Z",
        workerId: 1,
        sequence: 0,
      });
    });

    it("Accept: text/plain gives one ID per line", async () => {
      const response = await get("/generate?count=3", { Accept: "text/plain" });
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      const lines = (await response.text()).trimEnd().split("\n");
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(line).toMatch(/^\d+$/);
    });

    it.each([
      ["count=0", /between 1 and 10000/],
      ["count=-1", /whole number/],
      ["count=1.5", /whole number/],
      ["count=abc", /whole number/],
      ["count=", /whole number/],
      ["count=10001", /between 1 and 10000/],
      ["count=99999999999999999999", /whole number/],
      ["format=octal", /decimal, hex or base62/],
      ["count=1&count=2", /only once/],
    ])("GET /generate?%s is a 400 problem", async (query, detail) => {
      await expectProblem(await get(`/generate?${query}`), 400, detail);
    });

    it.each([
      ["/decode/abc", /not a decimal ID/],
      ["/decode/9223372036854775808", /63-bit/],
      ["/decode/-1", /not a decimal ID/],
      ["/decode/8000000000000000?format=hex", /63-bit/],
      ["/decode/zzzzzzzzzzz?format=base62", /63-bit/],
      ["/decode/1?format=octal", /decimal, hex or base62/],
      ["/decode/9223372036854775807", /future/],
    ])("GET %s is a 400 problem", async (path, detail) => {
      await expectProblem(await get(path), 400, detail);
    });

    it("unknown routes are 404 and wrong methods 405, both problems", async () => {
      await expectProblem(await get("/nope"), 404);
      const response = await open.fetch("/generate", { method: "POST" });
      await expectProblem(response, 405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    });

    it("over-long URLs are refused with a problem", async () => {
      await expectProblem(await get(`/generate?x=${"a".repeat(3000)}`), 414);
    });

    it("GET /health says OK: Generated N IDs, and JSON on request", async () => {
      const text = await get("/health");
      expect(text.status).toBe(200);
      expect(await text.text()).toMatch(/^OK: Generated \d+ IDs$/);
      const json = await get("/health", { Accept: "application/json" });
      expect(await json.json()).toMatchObject({ status: "ok", workerId: 42, issues: [] });
    });

    it("GET /metrics is Prometheus text with the seed's metrics", async () => {
      await get("/generate");
      const response = await get("/metrics");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      const body = await response.text();
      expect(body).toMatch(/^snowflake_ids_generated_total\{worker="42"\} [1-9]\d*$/m);
      expect(body).toMatch(/^# TYPE snowflake_avg_wait_microseconds gauge$/m);
      expect(body).toMatch(
        /^snowflake_generator_info\{worker="42",layout="classic",epoch="2025-01-01T00:00:00.000Z",runtime="\w+",version="[^"]+"\} 1$/m,
      );
      expect(body).toMatch(
        /^http_requests_total\{method="GET",route="\/generate",status="200"\} \d+$/m,
      );
    });

    it("GET /layout gives the layout IDs are issued with, open like /openapi.json", async () => {
      for (const target of [open, authed]) {
        const response = await target.fetch("/layout");
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(await response.json()).toEqual({
          name: "classic",
          timestampBits: 41,
          workerBits: 10,
          sequenceBits: 12,
          unitMs: 1,
          epochMs: Date.UTC(2025, 0, 1),
          epoch: "2025-01-01T00:00:00.000Z",
          maxBatch: 10_000,
        });
      }
      const doc = (await (await get("/openapi.json")).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toContain("/layout");
      await expectProblem(await open.fetch("/layout", { method: "POST" }), 405);
    });

    it("GET /livez and /readyz answer 200 with a static worker ID, open like /health, in the OpenAPI document", async () => {
      for (const [target, worker] of [
        [open, 42],
        [authed, 43],
      ] as const) {
        const probes: [string, string][] = [
          ["/livez", "OK: live"],
          ["/readyz", `OK: ready (worker ${worker})`],
        ];
        for (const [path, text] of probes) {
          const response = await target.fetch(path);
          expect(response.status, path).toBe(200);
          expect(response.headers.get("cache-control")).toBe("no-store");
          expect(await response.text()).toBe(text);
        }
      }
      const doc = (await (await get("/openapi.json")).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/livez", "/readyz"]));
    });

    it("GET /openapi.json describes the routes (OpenAPI 3.1)", async () => {
      const doc = (await (await get("/openapi.json")).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(doc.openapi).toBe("3.1.0");
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(["/generate", "/decode/{id}", "/health", "/metrics"]),
      );
    });

    it("with AUTH_TOKEN: 401 without or with a wrong token, 200 with the right one", async () => {
      const missing = await authed.fetch("/generate");
      await expectProblem(missing, 401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      await expectProblem(
        await authed.fetch("/generate", { headers: { Authorization: "Bearer wrong" } }),
        401,
      );
      await expectProblem(await authed.fetch("/decode/1"), 401);
      const ok = await authed.fetch("/generate", {
        headers: { Authorization: `Bearer ${CONTRACT_TOKEN}` },
      });
      expect(ok.status).toBe(200);
      expect((await authed.fetch("/health")).status).toBe(200);
    });

    it("HEAD /generate answers the headers and issues no ID", async () => {
      const generated = async () =>
        Number(/Generated (\d+)/.exec(await (await get("/health")).text())?.[1]);
      const before = await generated();
      const head = await open.fetch("/generate?count=1000", { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await head.text()).toBe("");
      expect(await generated()).toBe(before);
    });

    it("X-Request-Id: a valid one is echoed (and named in problems), else one is generated", async () => {
      const echoed = await get("/generate?count=0", { "X-Request-Id": "contract-req-1" });
      expect(echoed.headers.get("x-request-id")).toBe("contract-req-1");
      expect(await echoed.json()).toMatchObject({ status: 400, requestId: "contract-req-1" });
      const generated = await get("/generate", { "X-Request-Id": "not valid!" });
      expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f]{16}-[0-9a-z]+$/);
    });

    it("the bearer scheme name is case-insensitive", async () => {
      const ok = await authed.fetch("/generate", {
        headers: { Authorization: `bearer ${CONTRACT_TOKEN}` },
      });
      expect(ok.status).toBe(200);
    });

    it("METRICS_TOKEN protects /metrics on its own", async () => {
      await expectProblem(await authed.fetch("/metrics"), 401);
      const generateToken = await authed.fetch("/metrics", {
        headers: { Authorization: `Bearer ${CONTRACT_TOKEN}` },
      });
      expect(generateToken.status).toBe(401);
      const ok = await authed.fetch("/metrics", {
        headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(ok.status).toBe(200);
    });
  });
}
