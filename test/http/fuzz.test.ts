// Bad input, in-process: property-based fuzzing of paths, query strings, headers and IDs through
// `app.request` (no socket). test/e2e/fuzz.test.ts does the same against the running Node server.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { decodeId } from "../../src/core/decode.ts";
import { silentLogger } from "../../src/log.ts";
import { createService } from "../../src/service.ts";
import { systemClock } from "../../src/system-clock.ts";
import {
  acceptsId,
  answerOf,
  expectedGenerate,
  expectSaneAnswer,
  fuzzPath,
  generateQuery,
  idsOf,
  idText,
  rawQuery,
} from "./fuzz-support.ts";

const TOKEN = "fuzz-auth-token-0123456789abcdef";
const METRICS_TOKEN = "fuzz-metrics-token-0123456789abc";
const MAX_BATCH = 10_000;

function service(env: Record<string, string> = {}) {
  const config = parseConfig({ WORKER_ID: "5", ...env }, Date.now());
  return createService(config, {
    clock: systemClock,
    logger: silentLogger,
    runtime: "node",
    version: "fuzz",
  });
}

/** The request, or null when the Fetch API itself refuses it (a client could not send it so). */
function requestOf(url: string, init: RequestInit): Request | null {
  try {
    return new Request(url, init);
  } catch {
    return null;
  }
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"];
const headerName = fc.constantFrom(
  "Accept",
  "Authorization",
  "Content-Type",
  "X-Forwarded-For",
  "Cookie",
  "If-None-Match",
  "Range",
  "X-Anything",
);
const headerValue = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.constantFrom(
    "text/plain",
    "text/plain;q=0",
    "text/plain;q=2, application/json;q=-1",
    "application/json;q=NaN",
    "*/*;q=0.5, text/*;q=0.5",
    "Bearer ",
    `Bearer ${TOKEN}`,
    `Bearer ${TOKEN}x`,
    `bearer ${TOKEN}`,
    `Bearer  ${TOKEN}`,
    "Basic dXNlcjpwYXNz",
    `Bearer ${"a".repeat(5000)}`,
  ),
);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 4 });

describe("bad input, in-process (fast-check)", () => {
  it("any method, path, query and headers: a sane answer (no 5xx, problem+json errors, no leaks)", async () => {
    const { app } = service();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fuzzPath,
        rawQuery,
        headers,
        async (method, path, query, hdrs) => {
          const url = `http://localhost${path}${query ? `?${query}` : ""}`;
          const request = requestOf(url, { method, headers: hdrs });
          if (!request) return;
          sent++;
          const answer = await answerOf(await app.request(request));
          expectSaneAnswer(answer, `${method} ${url} ${JSON.stringify(hdrs)}`, method);
          if (method !== "GET" && method !== "HEAD" && answer.status !== 404) {
            expect(answer.status).toBe(405);
          }
        },
      ),
      { numRuns: 600 },
    );
    expect(sent).toBeGreaterThan(500);
  });

  it("/generate?query: exactly the valid queries get IDs, every other one a 400 naming the parameter; IDs keep increasing", async () => {
    const { app } = service();
    let last = -1n;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(generateQuery, async ({ pairs, query }) => {
        const answer = await answerOf(await app.request(`http://localhost/generate?${query}`));
        expectSaneAnswer(answer, `?${query}`);
        const expected = expectedGenerate(pairs, MAX_BATCH);
        if (!expected.ok) {
          expect(answer.status, `?${query}: ${answer.body}`).toBe(400);
          expect(JSON.parse(answer.body).type).toBe(`urn:edgeflake:problem:${expected.slug}`);
          return;
        }
        expect(answer.status, `?${query}: ${answer.body}`).toBe(200);
        const ids = idsOf(answer.body, expected);
        for (const id of ids) {
          expect(id).toBeGreaterThan(last);
          last = id;
        }
        accepted++;
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it("/decode/:id in every encoding, at and beyond the 63-bit range: decoded exactly or a 400", async () => {
    const { app, generator } = service();
    const notAfterMs = Date.now() + 3_600_000;
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(idText, async (c) => {
        const url = `http://localhost/decode/${encodeURIComponent(c.text)}?format=${c.format}`;
        const answer = await answerOf(await app.request(url));
        expectSaneAnswer(answer, url);
        const expected = acceptsId(c) ? decodeId(c.value, generator.layout) : null;
        if (expected && expected.timestamp <= notAfterMs - 60_000) {
          expect(answer.status, `${url}: ${answer.body}`).toBe(200);
          expect(JSON.parse(answer.body)).toEqual(expected);
          decoded++;
        } else if (!expected || expected.timestamp > notAfterMs + 60_000) {
          expect(answer.status, `${url}: ${answer.body}`).toBe(400);
          if (/^[0-9a-zA-Z]+$/.test(c.text) && c.value > 2n ** 63n - 1n && c.text.length <= 11) {
            expect(JSON.parse(answer.body).detail).toMatch(/63-bit/);
          }
        }
      }),
      { numRuns: 800 },
    );
    expect(decoded).toBeGreaterThan(100);
  });

  it("URL length: 414 exactly above 2048 characters, answered before routing", async () => {
    const { app } = service();
    const base = "http://localhost/generate?pad=";
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 2030, max: 2070 }), fc.integer({ min: 0, max: 70_000 })),
        async (length) => {
          const url = base + "a".repeat(Math.max(0, length - base.length));
          const answer = await answerOf(await app.request(url));
          expectSaneAnswer(answer, `URL of ${url.length}`);
          expect(answer.status).toBe(url.length > 2048 ? 414 : 200);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("with tokens: only the exact bearer token opens /generate, only the metrics token /metrics", async () => {
    const { app } = service({ AUTH_TOKEN: TOKEN, METRICS_TOKEN });
    const authorization = fc.oneof(
      headerValue,
      fc.constantFrom(
        `Bearer ${METRICS_TOKEN}`,
        ` Bearer ${TOKEN} `,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Bearer ${TOKEN.toUpperCase()}`,
      ),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/generate", "/decode/4194308096", "/metrics"),
        authorization,
        async (path, value) => {
          const request = requestOf(`http://localhost${path}`, {
            headers: { Authorization: value },
          });
          if (!request) return;
          const answer = await answerOf(await app.request(request));
          expectSaneAnswer(answer, `${path} Authorization: ${value}`);
          const sent = request.headers.get("Authorization");
          const token = path === "/metrics" ? METRICS_TOKEN : TOKEN;
          // The scheme name is case-insensitive (RFC 9110); the token is exact.
          const opens = sent?.slice(0, 7).toLowerCase() === "bearer " && sent.slice(7) === token;
          expect(answer.status, `${path} Authorization: ${value}`).toBe(opens ? 200 : 401);
          if (answer.status === 401) {
            expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="edgeflake"');
            expect(answer.body).not.toContain(TOKEN);
            expect(answer.body).not.toContain(METRICS_TOKEN);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("after all that fuzzing the app is healthy and issues unique, increasing, decodable IDs", async () => {
    const { app, generator } = service();
    await fc.assert(
      fc.asyncProperty(fuzzPath, rawQuery, async (path, query) => {
        const request = requestOf(`http://localhost${path}?${query}`, {});
        if (request) await app.request(request);
      }),
      { numRuns: 300 },
    );
    const health = await app.request("http://localhost/health");
    expect(health.status).toBe(200);
    const first = idsOf(await (await app.request("/generate?count=10000")).text(), {
      count: 10_000,
      format: "decimal",
    });
    const second = idsOf(await (await app.request("/generate?count=10000")).text(), {
      count: 10_000,
      format: "decimal",
    });
    const all = [...first, ...second];
    expect(all.every((id, i) => i === 0 || id > (all[i - 1] as bigint))).toBe(true);
    const decoded = decodeId(all.at(-1) as bigint, generator.layout);
    expect(decoded.workerId).toBe(5);
    expect(Math.abs(decoded.timestamp - Date.now())).toBeLessThan(60_000);
  });
});
