import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An RFC 9457 problem; `type` is a stable URN per kind of problem, documented in the README. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** Throw inside a handler to answer with a problem. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.problem = { type: `urn:edgeflake:problem:${slug}`, title, status, detail };
    this.headers = headers;
  }
}

/** Writes `problem` as `application/problem+json`. */
export function problemResponse(
  c: Context,
  problem: Problem,
  headers: Record<string, string> = {},
): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  c.header("Cache-Control", "no-store");
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
  });
}
