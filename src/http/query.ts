import type { Context } from "hono";
import { ProblemError } from "./problem.ts";

interface QuerySchema<T> {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

// What each schema makes of no parameters at all (most requests): parsed once, not per request.
const NO_PARAMETERS = new WeakMap<object, unknown>();

/** The named query parameters, validated by `schema`; a bad or repeated one is a 400 problem. */
export function parseQuery<T>(c: Context, schema: QuerySchema<T>, names: string[]): T {
  const input: Record<string, string> = {};
  const all = c.req.queries();
  let given = false;
  for (const name of names) {
    const values = all[name];
    if (!values) continue;
    if (values.length > 1) throw badRequest("repeated-parameter", `${name} may be given only once`);
    input[name] = values[0] as string;
    given = true;
  }
  const parsedBefore = given ? undefined : NO_PARAMETERS.get(schema);
  if (parsedBefore !== undefined) return parsedBefore as T;
  const result = schema.safeParse(input);
  if (result.success) {
    if (!given) NO_PARAMETERS.set(schema, Object.freeze(result.data));
    return result.data;
  }
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? "query");
  const detail =
    name === "format"
      ? `format must be decimal, hex or base62 (got "${truncate(input.format ?? "")}")`
      : `${name}: ${issue?.message ?? "invalid"} (got "${truncate(input[name] ?? "")}")`;
  throw badRequest(`invalid-${name}`, detail);
}

/** A 400 problem of kind `slugName`. */
export function badRequest(slugName: string, detail: string): ProblemError {
  return new ProblemError(400, slugName, "Bad Request", detail);
}

/** Caller-supplied text, cut to a length fit for a problem's detail. */
export function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}
