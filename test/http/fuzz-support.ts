// Arbitraries and invariants for fuzzing the HTTP app: shared by the in-process fuzz test and the
// one against the running Node server.
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { expect } from "vitest";
import { formatId, type IdFormat, MAX_ID } from "../../src/core/encoding.ts";
import { DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
// Stack frames, source locations and the machine's paths never belong in an answer.
const LEAKS = new RegExp(
  [
    String.raw`\n\s+at `,
    String.raw`at [\w.<>]+ \(`,
    "file://",
    "node_modules",
    String.raw`\.ts:\d+`,
    ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    "node:internal",
  ].join("|"),
);

export interface Answer {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/**
 * What every answer of the app must satisfy, whatever the request: no 5xx but the documented 503,
 * the security headers, and for every error an RFC 9457 problem without stack traces or paths.
 */
export function expectSaneAnswer(answer: Answer, context: string, method = "GET"): void {
  const where = `${context} -> ${answer.status} ${answer.body.slice(0, 300)}`;
  expect(answer.status >= 500 && answer.status !== 503, where).toBe(false);
  expect(answer.headers.get("cache-control"), where).toBe("no-store");
  expect(answer.headers.get("x-content-type-options"), where).toBe("nosniff");
  expect(LEAKS.test(answer.body), where).toBe(false);
  if (answer.status < 400) return;
  expect(answer.headers.get("content-type"), where).toMatch(/^application\/problem\+json/);
  if (method === "HEAD") {
    expect(answer.body, where).toBe("");
    return;
  }
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  // The app names the request in the body and the header; answers given before the app (the Node
  // target's raw-socket 400/431) have neither.
  const requestId = answer.headers.get("x-request-id");
  const keys = requestId === null ? [] : ["requestId"];
  expect(Object.keys(body).sort(), where).toEqual(["detail", ...keys, "status", "title", "type"]);
  if (requestId !== null) expect(body.requestId, where).toBe(requestId);
  expect(body.status, where).toBe(answer.status);
  expect(body.type, where).toMatch(/^urn:edgeflake:problem:[a-z0-9-]+$/);
  expect(typeof body.title, where).toBe("string");
  expect(typeof body.detail, where).toBe("string");
  expect((body.detail as string).length, where).toBeLessThan(300);
}

const ODD_CHARS = [
  "%",
  "%%",
  "%2",
  "%zz",
  "%00",
  "%C0%AF",
  "%E0%A4%A",
  "%2F",
  "%5C",
  "%3F",
  "%23",
  "%26",
  "%3D",
  "%25",
  "%FF%FE",
  "%F0%9F%92%A9",
  "+",
  "..",
  ".",
  "//",
  ";",
  "&",
  "=",
  "?",
  "~",
  "'",
  '"',
  "<script>",
  "$",
  "{",
  "}",
  "|",
  "^",
  "`",
  "[",
  "]",
  "@",
  ":",
  "!",
  "*",
  "(",
];

/** URL text that is already percent-encoded, including malformed and overlong escapes. */
export const rawUrlPiece: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(...ODD_CHARS),
      fc.string({ unit: "grapheme", maxLength: 6 }).map(encodeURIComponent),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,8}$/),
      fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

const ROUTE_PREFIXES = [
  "/",
  "/generate",
  "/generate/",
  "/GENERATE",
  "/decode/",
  "/decode",
  "/decode//",
  "/health",
  "/health/",
  "/livez",
  "/readyz",
  "/metrics",
  "/openapi.json",
  "/layout",
  "/nope/",
  "//generate",
  "/./generate",
  "/../generate",
  "/%2e%2e/generate",
  "/generate;x",
];

/** A path (starting with "/") near the real routes, with odd suffixes. */
export const fuzzPath: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...ROUTE_PREFIXES), rawUrlPiece)
  .map(([prefix, rest]) => prefix + rest);

/** A query string of raw (possibly malformed) pairs, with repeated and odd names. */
export const rawQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom("count", "format", "x", "COUNT", "count[]", "", "%63ount", "format%00"),
      fc.option(rawUrlPiece, { nil: undefined }),
    ),
    { maxLength: 5 },
  )
  .map((pairs) =>
    pairs.map(([name, value]) => (value === undefined ? name : `${name}=${value}`)).join("&"),
  );

/** Values for `count`: valid ones, edges, and huge, negative, fractional and unicode ones. */
export const countValue: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 10_000 }).map(String),
  fc.constantFrom(
    "0",
    "10000",
    "10001",
    "000000001",
    "0000000001",
    "999999999",
    "1000000000",
    "99999999999999999999",
    "1e3",
    "0x10",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "Infinity",
    "NaN",
    "",
    "١٢",
    "１",
    "9".repeat(400),
  ),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.string({ unit: "grapheme", maxLength: 5 }),
);

export const formatValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("decimal", "hex", "base62"),
  fc.constantFrom("Decimal", "HEX", "base64", "octal", "", "hex ", "base62\u0000", "décimal"),
  fc.string({ unit: "grapheme", maxLength: 6 }),
);

export interface QueryCase {
  pairs: [string, string][];
  query: string;
}

/** A query of well-formed pairs (values percent-encoded), for which the answer is predictable. */
export const generateQuery: fc.Arbitrary<QueryCase> = fc
  .array(
    fc.oneof(
      countValue.map((v): [string, string] => ["count", v]),
      formatValue.map((v): [string, string] => ["format", v]),
      fc.tuple(fc.constantFrom("x", "Count", "fmt", "count_"), fc.string({ maxLength: 4 })),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => ({
    pairs,
    query: pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&"),
  }));

export type Expected =
  | { ok: true; count: number | undefined; format: IdFormat }
  | { ok: false; slug: string };

/** What /generate must answer for `pairs` (the oracle the app is checked against). */
export function expectedGenerate(pairs: [string, string][], maxBatch: number): Expected {
  const counts = pairs.filter(([n]) => n === "count").map(([, v]) => v);
  const formats = pairs.filter(([n]) => n === "format").map(([, v]) => v);
  if (counts.length > 1 || formats.length > 1) return { ok: false, slug: "repeated-parameter" };
  const [count] = counts;
  const [format] = formats;
  if (count !== undefined && !/^[0-9]{1,9}$/.test(count)) {
    return { ok: false, slug: "invalid-count" };
  }
  if (format !== undefined && !["decimal", "hex", "base62"].includes(format)) {
    return { ok: false, slug: "invalid-format" };
  }
  if (count !== undefined && (Number(count) < 1 || Number(count) > maxBatch)) {
    return { ok: false, slug: "invalid-count" };
  }
  return {
    ok: true,
    count: count === undefined ? undefined : Number(count),
    format: (format ?? "decimal") as IdFormat,
  };
}

const ID_PATTERNS: Record<IdFormat, RegExp> = {
  decimal: /^[0-9]{1,19}$/,
  hex: /^[0-9a-f]{16}$/,
  base62: /^[0-9A-Za-z]{11}$/,
};

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Any non-negative integer in base62 (formatId stops at 63 bits; the fuzzer goes beyond). */
export function base62Of(value: bigint, width = 0): string {
  let out = "";
  let rest = value;
  do {
    out = BASE62.charAt(Number(rest % 62n)) + out;
    rest /= 62n;
  } while (rest > 0n);
  return out.padStart(width, "0");
}

/** Reads the IDs of a 200 from /generate, checking their text form; returns them as numbers. */
export function idsOf(body: string, expected: { count?: number; format: IdFormat }): bigint[] {
  const parsed = JSON.parse(body) as { id?: string; ids?: string[] };
  const texts = expected.count === undefined ? [parsed.id as string] : (parsed.ids as string[]);
  expect(texts).toHaveLength(expected.count ?? 1);
  const ids = texts.map((text) => {
    expect(text).toMatch(ID_PATTERNS[expected.format]);
    const value =
      expected.format === "decimal"
        ? BigInt(text)
        : expected.format === "hex"
          ? BigInt(`0x${text}`)
          : [...text].reduce((v, c) => v * 62n + BigInt(BASE62.indexOf(c)), 0n);
    expect(formatId(value, expected.format)).toBe(text);
    expect(value).toBeLessThanOrEqual(MAX_ID);
    return value;
  });
  return ids;
}

/** IDs near and beyond the 63-bit range, small ones and ordinary ones. */
export const idValue: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(
    0n,
    1n,
    MAX_ID,
    MAX_ID + 1n,
    2n ** 64n - 1n,
    2n ** 64n,
    10n ** 19n - 1n,
    10n ** 19n,
    62n ** 11n - 1n,
    62n ** 11n,
    4194308096n,
  ),
  fc.bigInt({ min: 0n, max: MAX_ID }),
  // IDs of the classic layout up to now: the ones that decode.
  fc.bigInt({ min: 0n, max: BigInt(Date.now() - DEFAULT_EPOCH_MS) << 22n }),
  fc.bigInt({ min: MAX_ID - 1000n, max: MAX_ID + 1000n }),
  fc.bigInt({ min: 0n, max: 2n ** 80n }),
);

export interface IdCase {
  value: bigint;
  format: IdFormat;
  text: string;
}

/** An ID written in one of the formats, sometimes unpadded, upper-cased or zero-padded beyond width. */
export const idText: fc.Arbitrary<IdCase> = fc
  .tuple(
    idValue,
    fc.constantFrom<IdFormat>("decimal", "hex", "base62"),
    fc.constantFrom("plain", "padded", "upper", "overpadded"),
  )
  .map(([value, format, style]) => {
    let text =
      format === "decimal"
        ? value.toString()
        : format === "hex"
          ? value.toString(16)
          : base62Of(value);
    if (style === "padded") text = text.padStart(format === "base62" ? 11 : 16, "0");
    if (style === "upper" && format === "hex") text = text.toUpperCase();
    if (style === "overpadded") text = `00${text}`;
    return { value, format, text };
  });

/** Whether `text` is a well-formed ID of `format` in the 63-bit range (what /decode accepts). */
export function acceptsId(c: IdCase): boolean {
  const patterns: Record<IdFormat, RegExp> = {
    decimal: /^[0-9]{1,19}$/,
    hex: /^[0-9a-fA-F]{1,16}$/,
    base62: /^[0-9A-Za-z]{1,11}$/,
  };
  return patterns[c.format].test(c.text) && c.value <= MAX_ID;
}
