import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { EdgeflakeError } from "../core/errors.ts";

/** An RFC 9457 problem; `type` is a stable URN per kind of problem, documented in the README. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

// Every answer is uncacheable (IDs must never be replayed by a cache) and `nosniff` keeps browsers
// from reading JSON as anything else. Set before the response exists: Hono's secure-headers
// middleware edits finished responses, which made @hono/node-server build a full Response.
const API_HEADERS: [string, string][] = [
  ["Cache-Control", "no-store"],
  ["X-Content-Type-Options", "nosniff"],
];

/** The same headers as a plain object, for responses built without a Hono context. */
export const API_HEADER_OBJECT: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(API_HEADERS.map(([name, value]) => [name.toLowerCase(), value])),
);

/** Puts the headers every answer carries on the response being built. */
export function apiHeaders(c: Context): void {
  for (const [name, value] of API_HEADERS) c.header(name, value);
}

/** A problem of kind `slug`. */
export function problem(status: number, slug: string, title: string, detail: string): Problem {
  return { type: `urn:edgeflake:problem:${slug}`, title, status, detail };
}

/** Throw inside a handler to answer with a problem; `code` is the slug as a code (`INVALID_COUNT`). */
export class ProblemError extends EdgeflakeError {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(slug.toUpperCase().replaceAll("-", "_"), detail);
    this.problem = problem(status, slug, title, detail);
    this.headers = headers;
  }
}

/** Writes `problem` as `application/problem+json` through the Hono context. */
export function problemResponse(
  c: Context,
  body: Problem,
  headers: Record<string, string> = {},
): Response {
  apiHeaders(c);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
  });
}

/** The same, for answers given before a request reaches the router. */
export function problemAsResponse(body: Problem): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: [...API_HEADERS, ["Content-Type", "application/problem+json"]],
  });
}
