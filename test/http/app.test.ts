// The app's own behaviour beyond the shared contract: route labels from the router, HEAD without
// issuing, request IDs, CORS and what /health tells whom. In-process through app.request.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { SnowflakeGenerator } from "../../src/core/generator.ts";
import { createLayout } from "../../src/core/layout.ts";
import { createApp } from "../../src/http/app.ts";
import type { AppDeps } from "../../src/http/deps.ts";
import { LeaseStoreUnavailableError } from "../../src/lease/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { createService } from "../../src/service.ts";
import { systemClock } from "../../src/system-clock.ts";

const TOKEN = "app-test-auth-token-0123456789";
const METRICS_TOKEN = "app-test-metrics-token-012345";
const GENERATED_ID = /^[0-9a-f]{16}-[0-9a-z]+$/;

function service(env: Record<string, string> = {}) {
  const config = parseConfig({ WORKER_ID: "7", ...env }, Date.now());
  return createService(config, {
    clock: systemClock,
    logger: silentLogger,
    runtime: "node",
    version: "test",
  });
}

/** An app with hand-made deps, for checks that need to fail on purpose or capture logs. */
function appWith(overrides: Partial<AppDeps>) {
  const layout = createLayout("classic", Date.UTC(2025, 0, 1), Date.now());
  const generator = new SnowflakeGenerator({ layout, clock: systemClock, workerId: 3 });
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const deps: AppDeps = {
    generator,
    clock: systemClock,
    registry: new Registry(),
    logger: { info: log("info"), warn: log("warn"), error: log("error") },
    maxBatch: 10_000,
    ...overrides,
  };
  return { app: createApp(deps), generator, lines };
}

async function metricLine(app: ReturnType<typeof service>["app"], pattern: RegExp) {
  const body = await (await app.request("/metrics")).text();
  return body.split("\n").filter((line) => pattern.test(line));
}

describe("route labels come from the router", () => {
  it("GET /%67enerate issues an ID and counts as route=/generate", async () => {
    const { app, generator } = service();
    const response = await app.request("/%67enerate");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: expect.stringMatching(/^\d+$/) });
    expect(generator.stats.generated).toBe(1);
    expect(await metricLine(app, /^http_requests_total/)).toEqual([
      'http_requests_total{method="GET",route="/generate",status="200"} 1',
    ]);
  });

  it("/decode/:id by template, 405 by the route it hit, 404 and 414 as unmatched", async () => {
    const { app } = service();
    expect((await app.request("/decode/4194308096")).status).toBe(200);
    expect((await app.request("/d%65code/4194308096")).status).toBe(200);
    expect((await app.request("/generate", { method: "POST" })).status).toBe(405);
    expect((await app.request("/decode/1", { method: "DELETE" })).status).toBe(405);
    expect((await app.request("/decode/")).status).toBe(404);
    expect((await app.request("/nope")).status).toBe(404);
    expect((await app.request(`/generate?x=${"a".repeat(3000)}`)).status).toBe(414);
    expect((await metricLine(app, /^http_requests_total/)).sort()).toEqual([
      'http_requests_total{method="DELETE",route="/decode/:id",status="405"} 1',
      'http_requests_total{method="GET",route="/decode/:id",status="200"} 2',
      'http_requests_total{method="GET",route="unmatched",status="404"} 2',
      'http_requests_total{method="GET",route="unmatched",status="414"} 1',
      'http_requests_total{method="POST",route="/generate",status="405"} 1',
    ]);
  });
});

describe("HEAD /generate", () => {
  it("answers GET's headers and issues no ID, whatever the count", async () => {
    const { app, generator } = service();
    const head = await app.request("/generate?count=1000", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");
    expect(head.headers.get("cache-control")).toBe("no-store");
    expect(await head.text()).toBe("");
    const text = await app.request("/generate", {
      method: "HEAD",
      headers: { Accept: "text/plain" },
    });
    expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(generator.stats.generated).toBe(0);
    expect(await metricLine(app, /^http_requests_total/)).toEqual([
      'http_requests_total{method="HEAD",route="/generate",status="200"} 2',
    ]);
  });

  it("still validates the query and the token", async () => {
    const { app, generator } = service({ AUTH_TOKEN: TOKEN });
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await app.request("/generate", { method: "HEAD" })).status).toBe(401);
    const bad = await app.request("/generate?count=0", { method: "HEAD", headers: auth });
    expect(bad.status).toBe(400);
    expect((await app.request("/generate", { method: "HEAD", headers: auth })).status).toBe(200);
    expect(generator.stats.generated).toBe(0);
  });

  it("takes no lease either (beforeIssue is not run)", async () => {
    let leased = 0;
    const { app } = appWith({ beforeIssue: async () => void leased++ });
    expect((await app.request("/generate", { method: "HEAD" })).status).toBe(200);
    expect(leased).toBe(0);
    expect((await app.request("/generate")).status).toBe(200);
    expect(leased).toBe(1);
  });
});

describe("bearer scheme", () => {
  it.each(["Bearer", "bearer", "BEARER", "bEaReR"])("%s <token> opens the ID routes", async (s) => {
    const { app } = service({ AUTH_TOKEN: TOKEN });
    const response = await app.request("/generate", {
      headers: { Authorization: `${s} ${TOKEN}` },
    });
    expect(response.status).toBe(200);
  });

  it("the token itself stays case-sensitive", async () => {
    const { app } = service({ AUTH_TOKEN: TOKEN });
    const upper = { Authorization: `bearer ${TOKEN.toUpperCase()}` };
    expect((await app.request("/generate", { headers: upper })).status).toBe(401);
  });
});

describe("request IDs", () => {
  it("a well-formed X-Request-Id is echoed, in the header and in problem bodies", async () => {
    const { app } = service();
    const id = "req-0123.abc:def/ghi+jk=";
    const ok = await app.request("/generate", { headers: { "X-Request-Id": id } });
    expect(ok.headers.get("x-request-id")).toBe(id);
    const bad = await app.request("/generate?count=0", { headers: { "X-Request-Id": id } });
    expect(bad.headers.get("x-request-id")).toBe(id);
    expect(await bad.json()).toMatchObject({ status: 400, requestId: id });
  });

  it.each([
    ["absent", undefined],
    ["too long", "a".repeat(129)],
    ["with a space", "a b"],
    ["with a quote", 'a"b'],
    ["with a newline-like escape", "a%0Ab"],
  ])("%s: a fresh generated ID instead", async (_, given) => {
    const { app } = service();
    const headers: Record<string, string> = given === undefined ? {} : { "X-Request-Id": given };
    const first = (await app.request("/nope", { headers })).headers.get("x-request-id");
    const second = (await app.request("/nope", { headers })).headers.get("x-request-id");
    expect(first).toMatch(GENERATED_ID);
    expect(second).toMatch(GENERATED_ID);
    expect(first).not.toBe(second);
  });

  it("on every route, and before routing (414)", async () => {
    const { app } = service();
    const headers = { "X-Request-Id": "trace-1" };
    for (const path of ["/generate", "/decode/1", "/health", "/metrics", "/openapi.json", "/x"]) {
      expect((await app.request(path, { headers })).headers.get("x-request-id"), path).toBe(
        "trace-1",
      );
    }
    const long = await app.request(`/generate?x=${"a".repeat(3000)}`, { headers });
    expect(long.headers.get("x-request-id")).toBe("trace-1");
    expect(await long.json()).toMatchObject({ status: 414, requestId: "trace-1" });
  });

  it("in the log lines about the request (503 refusals and unexpected errors)", async () => {
    const refusing = appWith({
      beforeIssue: async () => {
        throw new LeaseStoreUnavailableError("store down", true);
      },
    });
    const refused = await refusing.app.request("/generate", {
      headers: { "X-Request-Id": "r-503" },
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ requestId: "r-503" });
    expect(refusing.lines).toEqual([
      expect.objectContaining({
        level: "warn",
        fields: expect.objectContaining({ requestId: "r-503" }),
      }),
    ]);
    const failing = appWith({
      beforeIssue: async () => {
        throw new Error("boom");
      },
    });
    const failed = await failing.app.request("/generate", { headers: { "X-Request-Id": "r-500" } });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ requestId: "r-500" });
    expect(failing.lines).toEqual([
      expect.objectContaining({
        level: "error",
        fields: expect.objectContaining({ requestId: "r-500" }),
      }),
    ]);
  });
});

describe("CORS_ORIGINS", () => {
  const APP = "https://app.example.com";
  const preflight = (origin?: string) => ({
    method: "OPTIONS",
    headers: {
      ...(origin ? { Origin: origin } : {}),
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "authorization",
    },
  });
  const corsHeaderNames = (response: Response) =>
    [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));

  it("unset: no CORS headers at all, and OPTIONS stays a 405", async () => {
    const { app } = service();
    const get = await app.request("/generate", { headers: { Origin: APP } });
    expect(corsHeaderNames(get)).toEqual([]);
    expect(get.headers.get("vary")).toBeNull();
    const options = await app.request("/generate", preflight(APP));
    expect(options.status).toBe(405);
    expect(corsHeaderNames(options)).toEqual([]);
  });

  it("a preflight from an allowed origin gets 204 with the allowed methods and headers", async () => {
    const { app, generator } = service({ CORS_ORIGINS: `https://other.example, ${APP}` });
    for (const path of ["/generate", "/decode/4194308096"]) {
      const response = await app.request(path, preflight(APP));
      expect(response.status, path).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(APP);
      expect(response.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
      expect(response.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
      expect(response.headers.get("access-control-max-age")).toBe("600");
      expect(response.headers.get("vary")).toBe("Origin");
    }
    expect(generator.stats.generated).toBe(0);
  });

  it("a preflight from another origin (or none) is a 403 problem without CORS headers", async () => {
    const { app } = service({ CORS_ORIGINS: APP });
    for (const init of [preflight("https://evil.example"), preflight()]) {
      const response = await app.request("/generate", init);
      expect(response.status).toBe(403);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        type: "urn:edgeflake:problem:origin-not-allowed",
      });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("actual requests: allow-origin and exposed headers for an allowed origin, problems included", async () => {
    const { app } = service({ CORS_ORIGINS: APP, AUTH_TOKEN: TOKEN });
    const headers = { Origin: APP, Authorization: `Bearer ${TOKEN}` };
    const ok = await app.request("/generate", { headers });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP);
    expect(ok.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id/);
    expect(ok.headers.get("vary")).toBe("Origin");
    const denied = await app.request("/decode/1", { headers: { Origin: APP } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe(APP);
    const other = await app.request("/generate", {
      headers: { ...headers, Origin: "https://x.example" },
    });
    expect(other.status).toBe(200); // CORS decides what a browser may read, not who may ask
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toBe("Origin");
    const health = await app.request("/health", { headers: { Origin: APP } });
    expect(corsHeaderNames(health)).toEqual([]);
  });

  it("* allows any origin", async () => {
    const { app } = service({ CORS_ORIGINS: "*" });
    const ok = await app.request("/generate", { headers: { Origin: "https://any.example" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const pre = await app.request("/decode/1", preflight("https://any.example"));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("is validated by the config schema", () => {
    expect(
      parseConfig({ CORS_ORIGINS: "https://A.example:8443,http://b" }, Date.now()).corsOrigins,
    ).toEqual(["https://a.example:8443", "http://b"]);
    expect(parseConfig({}, Date.now()).corsOrigins).toBeUndefined();
    for (const bad of ["app.example.com", "https://a.example/path", "https://a, *", "ftp://x"]) {
      expect(() => parseConfig({ CORS_ORIGINS: bad }, Date.now()), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});

describe("/health details", () => {
  const storeDown = () => ({
    check: "lease",
    detail:
      'worker-ID lease none held yet; last store operation failed: lease store unavailable (acquire in DynamoDB table "prod-leases"): ECONNREFUSED http://10.1.2.3:8000',
  });

  it("unauthenticated callers get the check and a short reason, no internals", async () => {
    const { app } = appWith({ healthChecks: [storeDown], authToken: TOKEN });
    for (const accept of ["text/plain", "application/json"]) {
      const response = await app.request("/health", { headers: { Accept: accept } });
      expect(response.status).toBe(503);
      const body = await response.text();
      expect(body).toMatch(
        /lease: worker-ID lease none held yet; last store operation failed|"check":"lease"/,
      );
      expect(body).not.toMatch(/prod-leases|10\.1\.2\.3|ECONNREFUSED/);
    }
    const wrong = await app.request("/health", {
      headers: { Authorization: "Bearer wrong-token" },
    });
    expect(await wrong.text()).not.toMatch(/prod-leases/);
  });

  it("callers with AUTH_TOKEN or METRICS_TOKEN get the store's error as `cause`", async () => {
    const { app } = appWith({
      healthChecks: [storeDown],
      authToken: TOKEN,
      metricsToken: METRICS_TOKEN,
    });
    for (const token of [TOKEN, METRICS_TOKEN]) {
      const response = await app.request("/health", {
        headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
      });
      expect(await response.json()).toMatchObject({
        status: "unavailable",
        issues: [
          {
            check: "lease",
            detail: "worker-ID lease none held yet; last store operation failed",
            cause: expect.stringMatching(/prod-leases.*ECONNREFUSED/),
          },
        ],
      });
    }
  });

  it("with no token configured nobody gets the internals", async () => {
    const { app } = appWith({ healthChecks: [storeDown] });
    const response = await app.request("/health", {
      headers: { Authorization: "Bearer anything-at-all" },
    });
    expect(await response.text()).not.toMatch(/prod-leases/);
  });
});
