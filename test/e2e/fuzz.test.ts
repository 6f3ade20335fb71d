// Bad input against the running Node server: raw requests over loopback (`net`, so malformed ones go
// out as written), a bounded number of them, then the server must still be healthy and issuing.
// The in-process fuzzing of the app is test/http/fuzz.test.ts.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, startNodeEntry } from "../../scripts/lib/node-entry.ts";
import { decodeId } from "../../src/core/decode.ts";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import {
  acceptsId,
  expectSaneAnswer,
  fuzzPath,
  idsOf,
  idText,
  rawQuery,
} from "../http/fuzz-support.ts";
import { getRequest, rawRequest } from "../support/raw-http.ts";

const AUTH_TOKEN = "e2e-fuzz-auth-token-0123456789";
const METRICS_TOKEN = "e2e-fuzz-metrics-token-012345";
const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());

let server: NodeProcess;
beforeAll(async () => {
  server = await startNodeEntry({ WORKER_ID: "11", AUTH_TOKEN, METRICS_TOKEN });
});
afterAll(async () => {
  await server?.stop("SIGKILL");
});

const auth = `Authorization: Bearer ${AUTH_TOKEN}`;

async function send(request: string | Buffer, context: string) {
  const answer = await rawRequest(server.port, request);
  expect(answer, `${context}: no answer`).not.toBeNull();
  if (!answer) throw new Error("unreachable");
  expectSaneAnswer(
    answer,
    context,
    request.slice(0, 5).toString().startsWith("HEAD") ? "HEAD" : "GET",
  );
  return answer;
}

async function generated(count: number): Promise<bigint[]> {
  const answer = await send(getRequest(`/generate?count=${count}`, [auth]), "generate");
  expect(answer.status).toBe(200);
  return idsOf(answer.body, { count, format: "decimal" });
}

// Requests the Fetch API refuses to send: Node's parser or @hono/node-server rejects them before
// the app, and they must still get a problem (400 or 431), never a bare status line or a 5xx.
const MALFORMED: [string, string, number][] = [
  ["space in the target", "GET /gen erate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
  [
    "raw UTF-8 in the target",
    "GET /decode/\u00ff\u00fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    400,
  ],
  ["asterisk target", "GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
  [
    "backslashes in the path",
    "GET /generate\\..\\x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    400,
  ],
  ["Host with a space", "GET /generate HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n", 400],
  [
    "Host with a bad port",
    "GET /generate HTTP/1.1\r\nHost: x:99999\r\nConnection: close\r\n\r\n",
    400,
  ],
  ["Host with userinfo", "GET /generate HTTP/1.1\r\nHost: x@y\r\nConnection: close\r\n\r\n", 400],
  ["unclosed IPv6 Host", "GET /generate HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n", 400],
  [
    "header without a colon",
    "GET /generate HTTP/1.1\r\nHost: x\r\nnonsense\r\nConnection: close\r\n\r\n",
    400,
  ],
  [
    "NUL in a header value",
    "GET /generate HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\nConnection: close\r\n\r\n",
    400,
  ],
  [
    "bare LF in a header",
    "GET /generate HTTP/1.1\r\nHost: x\r\nX-A: a\nb: c\r\nConnection: close\r\n\r\n",
    400,
  ],
  ["unknown method", "BREW /generate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
  ["not HTTP", "garbage\r\n\r\n", 400],
  [
    "Content-Length with Transfer-Encoding (smuggling)",
    "GET /generate HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
    400,
  ],
  [
    "headers over 16 KiB",
    `GET /generate HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(17_000)}\r\nConnection: close\r\n\r\n`,
    431,
  ],
  [
    "a 100 kB URL (counted in the header limit)",
    `GET /generate?x=${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    431,
  ],
];

describe("bad input against the running Node server (raw requests over loopback)", () => {
  let before: bigint[] = [];

  it("IDs before the fuzzing (the baseline the later ones must exceed)", async () => {
    before = await generated(100);
  });

  it.each(MALFORMED)(
    "%s: a problem+json 400 or 431, the connection closed",
    async (name, request, status) => {
      const answer = await send(request, name);
      expect(answer.status).toBe(status);
      expect(answer.headers.get("connection")).toBe("close");
    },
  );

  it("header size: 15 KiB of headers is served, 17 KiB is a 431", async () => {
    const ok = await send(getRequest("/health", [`X-Pad: ${"p".repeat(15_000)}`]), "15 KiB");
    expect(ok.status).toBe(200);
    const big = await send(getRequest("/health", [`X-Pad: ${"p".repeat(17_000)}`]), "17 KiB");
    expect(big.status).toBe(431);
  });

  it("URL length: 414 above 2048 characters of URL, served at the limit", async () => {
    // The URL the app sees is built from the Host header (here without a port) and the target.
    const origin = "http://127.0.0.1";
    const at = `/generate?pad=${"a".repeat(2048 - origin.length - "/generate?pad=".length)}`;
    expect((await send(getRequest(at, [auth]), "2048")).status).toBe(200);
    expect((await send(getRequest(`${at}a`, [auth]), "2049")).status).toBe(414);
  });

  it("fuzzed paths, queries and header values (bounded): sane answers only", async () => {
    const headerValue = fc.oneof(
      fc.string({ unit: "grapheme-ascii", maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, "")),
      fc.string({ unit: "grapheme", maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, "")),
      fc.constantFrom(auth.slice(15), "Bearer", "text/plain;q=0.5,*/*", ""),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "HEAD", "POST", "DELETE"),
        fuzzPath,
        rawQuery,
        fc.constantFrom("Authorization", "Accept", "X-Forwarded-Host", "Cookie"),
        headerValue,
        async (method, path, query, name, value) => {
          const target = query ? `${path}?${query}` : path;
          const request = Buffer.from(
            `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${name}: ${value}\r\nConnection: close\r\n\r\n`,
            "utf8",
          );
          await send(request, `${method} ${target} ${name}: ${value}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("fuzzed IDs in every encoding, at and beyond 63 bits (bounded): decoded or a 400", async () => {
    await fc.assert(
      fc.asyncProperty(idText, async (c) => {
        const target = `/decode/${encodeURIComponent(c.text)}?format=${c.format}`;
        const answer = await send(getRequest(target, [auth]), target);
        const expected = acceptsId(c) ? decodeId(c.value, layout) : null;
        if (!expected) expect(answer.status).toBe(400);
        else if (expected.timestamp < Date.now()) {
          expect(answer.status).toBe(200);
          expect(JSON.parse(answer.body)).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("afterwards: the same process is healthy, logged no unexpected error, and issues correct IDs", async () => {
    expect(server.child.exitCode).toBeNull();
    const health = await send(getRequest("/health"), "health");
    expect(health.status).toBe(200);
    const after = await generated(10_000);
    const all = [...before, ...after];
    expect(all.every((id, i) => i === 0 || id > (all[i - 1] as bigint))).toBe(true);
    const last = decodeId(after.at(-1) as bigint, layout);
    expect(last.workerId).toBe(11);
    expect(Math.abs(last.timestamp - Date.now())).toBeLessThan(60_000);
    expect(server.logs.filter((log) => log.level === "error" || log.level === "fatal")).toEqual([]);
    expect(server.stderr).toBe("");
  });

  it("no secret in any log line, though requests carried right and wrong tokens", async () => {
    await send(getRequest("/metrics", [`Authorization: Bearer ${METRICS_TOKEN}`]), "metrics");
    await send(getRequest("/generate", [`Authorization: Bearer ${METRICS_TOKEN}`]), "wrong");
    const everything = JSON.stringify(server.logs) + server.stderr;
    expect(everything).not.toContain(AUTH_TOKEN);
    expect(everything).not.toContain(METRICS_TOKEN);
    expect(everything).toContain("<redacted>");
  });
});
