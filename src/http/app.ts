import { type Context, Hono } from "hono";
import { decodeId, EdgeflakeError, formatId, type IdFormat, parseId } from "../core/index.ts";
import { registerHttpMetrics } from "../metrics/http.ts";
import type { Background, HealthIssue } from "../service-types.ts";
import { bearerMatches } from "./auth.ts";
import type { AppDeps } from "./deps.ts";
import { registerLayoutRoute } from "./layout-route.ts";
import { prefersText, wantsJson } from "./negotiate.ts";
import { openApiDocument } from "./openapi.ts";
import {
  API_HEADER_OBJECT,
  apiHeaders,
  ProblemError,
  problem,
  problemAsResponse,
  problemResponse,
} from "./problem.ts";
import { decodeQuerySchema, generateQuerySchema } from "./schemas.ts";
import { throttledWarn } from "./throttled-log.ts";

export type { AppDeps } from "./deps.ts";

const MAX_URL_LENGTH = 2048;
const CLOCK_ERROR_WINDOW_MS = 60_000;
// IDs from another layout or epoch decode to far-future times; a real ID is never that far ahead.
const DECODE_FUTURE_SLACK_MS = 3_600_000;
const BAD_INPUT_CODES = new Set(["INVALID_ID", "INVALID_COUNT"]);
// Plain header objects: @hono/node-server writes them straight out (its fast path), unlike Headers.
const JSON_HEADERS = { "content-type": "application/json", ...API_HEADER_OBJECT };
const TEXT_HEADERS = { "content-type": "text/plain; charset=UTF-8", ...API_HEADER_OBJECT };
const ROUTES = ["/generate", "/decode/:id", "/health", "/metrics", "/openapi.json", "/layout"];

/** The Hono app: the same on every runtime; the target passes in everything it needs. */
export function createApp(deps: AppDeps, version = "0.0.0"): Hono {
  const { generator, clock } = deps;
  const app = new Hono();
  const httpMetrics = registerHttpMetrics(deps.registry);
  const openapi = JSON.stringify(openApiDocument(version, deps.maxBatch));
  const warn = throttledWarn(deps.logger, clock);
  // No Hono middleware on purpose: with none, a synchronous handler answers synchronously, and
  // the promise chain that middleware adds cost about 6 µs per request (npm run bench:http).
  const requireToken = async (c: Context, token: string | undefined): Promise<void> => {
    if (token !== undefined && !(await bearerMatches(c.req.header("Authorization"), token))) {
      throw new ProblemError(
        401,
        "unauthorized",
        "Unauthorized",
        "a valid bearer token is required",
        {
          "WWW-Authenticate": 'Bearer realm="edgeflake"',
        },
      );
    }
  };

  const generate = (c: Context): Response | Promise<Response> => {
    const query = parseQuery(c, generateQuerySchema, ["count", "format"]);
    const count = query.count === undefined ? undefined : Number(query.count);
    if (count !== undefined && (count < 1 || count > deps.maxBatch)) {
      throw badRequest(
        "invalid-count",
        `count must be between 1 and ${deps.maxBatch} (got ${query.count})`,
      );
    }
    const format: IdFormat = query.format ?? "decimal";
    const respond = (ids: bigint[]): Response => {
      const texts = ids.map((id) => formatId(id, format));
      if (prefersText(c.req.header("Accept"))) {
        return new Response(`${texts.join("\n")}\n`, { headers: { ...TEXT_HEADERS } });
      }
      const body = JSON.stringify(count === undefined ? { id: texts[0] } : { ids: texts });
      return new Response(body, { headers: { ...JSON_HEADERS } });
    };
    if (deps.beforeIssue) {
      return deps
        .beforeIssue(backgroundOf(c))
        .then(() => generator.nextBatchAsync(count ?? 1))
        .then(respond);
    }
    // Usually the IDs are there without waiting; only a wait (overflow, clock) goes async.
    const ready = generator.tryNextBatch(count ?? 1);
    return ready ? respond(ready) : generator.nextBatchAsync(count ?? 1).then(respond);
  };
  app.get("/generate", (c): Response | Promise<Response> =>
    deps.authToken === undefined
      ? generate(c)
      : requireToken(c, deps.authToken).then(() => generate(c)),
  );

  app.get("/decode/:id", (c): Response | Promise<Response> => {
    const decode = (): Response => {
      const query = parseQuery(c, decodeQuerySchema, ["format"]);
      const id = parseId(c.req.param("id"), query.format ?? "decimal");
      apiHeaders(c);
      return c.json(
        decodeId(id, generator.layout, { notAfterMs: clock.now() + DECODE_FUTURE_SLACK_MS }),
      );
    };
    return deps.authToken === undefined ? decode() : requireToken(c, deps.authToken).then(decode);
  });

  app.get("/health", (c) => {
    const issues = healthIssues(deps);
    const generated = generator.stats.generated;
    apiHeaders(c);
    const status = issues.length === 0 ? 200 : 503;
    if (wantsJson(c.req.header("Accept"))) {
      return c.json(
        {
          status: status === 200 ? "ok" : "unavailable",
          generated,
          workerId: generator.workerId,
          issues,
        },
        status,
      );
    }
    if (status === 200) return c.text(`OK: Generated ${generated} IDs`);
    return c.text(`UNAVAILABLE: ${issues.map((i) => `${i.check}: ${i.detail}`).join("; ")}`, 503);
  });

  app.get("/metrics", async (c) => {
    await requireToken(c, deps.metricsToken);
    apiHeaders(c);
    return c.body(await deps.registry.metrics(), 200, {
      "Content-Type": deps.registry.contentType,
    });
  });

  app.get("/openapi.json", (c) => {
    apiHeaders(c);
    return c.body(openapi, 200, { "Content-Type": "application/json" });
  });

  registerLayoutRoute(app, generator.layout, deps.maxBatch);

  app.notFound((c) => {
    if (routeOf(c.req.path) !== UNMATCHED) {
      const detail = "only GET and HEAD are allowed here";
      return problemResponse(c, problem(405, "method-not-allowed", "Method Not Allowed", detail), {
        Allow: "GET, HEAD",
      });
    }
    const detail = `no route for ${c.req.method} ${truncate(c.req.path)}`;
    return problemResponse(c, problem(404, "not-found", "Not Found", detail));
  });

  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error.problem, error.headers);
    if (error instanceof EdgeflakeError) {
      if (BAD_INPUT_CODES.has(error.code)) {
        return problemResponse(c, { ...badRequest(slug(error.code), error.message).problem });
      }
      warn(error.code, { code: error.code, err: error.message }, "cannot issue");
      return problemResponse(
        c,
        problem(503, slug(error.code), "Service Unavailable", error.message),
        {
          "Retry-After": "1",
        },
      );
    }
    deps.logger.error({ err: String(error) }, "unexpected error");
    return problemResponse(
      c,
      problem(500, "internal", "Internal Server Error", "unexpected error; it has been logged"),
    );
  });

  const dispatch = app.fetch;
  // Every request is timed and counted here, and over-long URLs are refused before routing.
  app.fetch = (request, env, executionCtx) => {
    const started = clock.monotonic();
    const route = routeOf(pathOf(request.url));
    const record = (response: Response) => {
      httpMetrics.observe(
        request.method,
        route,
        response.status,
        (clock.monotonic() - started) / 1000,
      );
      return response;
    };
    if (request.url.length > MAX_URL_LENGTH) {
      const detail = `URLs are limited to ${MAX_URL_LENGTH} characters`;
      return record(problemAsResponse(problem(414, "uri-too-long", "URI Too Long", detail)));
    }
    const response = dispatch(request, env, executionCtx);
    return response instanceof Promise ? response.then(record) : record(response);
  };
  return app;
}

const UNMATCHED = "unmatched";

/** The route template a path belongs to (bounded label values for metrics), as the router matches. */
function routeOf(path: string): string {
  if (path.startsWith("/decode/"))
    return path.indexOf("/", 8) === -1 && path.length > 8 ? "/decode/:id" : UNMATCHED;
  return ROUTES.includes(path) ? path : UNMATCHED;
}

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

function parseQuery<T>(
  c: Context,
  schema: {
    safeParse(
      input: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  names: string[],
): T {
  const input: Record<string, string> = {};
  const all = c.req.queries();
  for (const name of names) {
    const values = all[name];
    if (!values) continue;
    if (values.length > 1) throw badRequest("repeated-parameter", `${name} may be given only once`);
    input[name] = values[0] as string;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? "query");
  const detail =
    name === "format"
      ? `format must be decimal, hex or base62 (got "${truncate(input.format ?? "")}")`
      : `${name}: ${issue?.message ?? "invalid"} (got "${truncate(input[name] ?? "")}")`;
  throw badRequest(`invalid-${name}`, detail);
}

function badRequest(slugName: string, detail: string): ProblemError {
  return new ProblemError(400, slugName, "Bad Request", detail);
}

function slug(code: string): string {
  return code.toLowerCase().replaceAll("_", "-");
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

function backgroundOf(c: Context): Background {
  return (task) => {
    const settled = task.catch(() => {});
    try {
      c.executionCtx.waitUntil(settled);
    } catch {
      // No ExecutionContext outside Workers: the promise simply runs on.
    }
  };
}

function healthIssues(deps: AppDeps): HealthIssue[] {
  const now = deps.clock.now();
  const { stats } = deps.generator;
  const issues: HealthIssue[] = [];
  if (
    stats.lastClockBackwardErrorAtMs >= 0 &&
    now - stats.lastClockBackwardErrorAtMs < CLOCK_ERROR_WINDOW_MS
  ) {
    issues.push({
      check: "clock",
      detail: `clock stepped back beyond the tolerance in the last minute (${stats.clockBackwardErrors} times in total)`,
    });
  }
  const extra = (deps.healthChecks ?? []).map((check) => check(now)).filter((i) => i !== null);
  issues.push(...extra);
  if (extra.length === 0 && !deps.generator.canIssueAt(now)) {
    issues.push({
      check: "generator",
      detail: "the generator cannot issue IDs now (no worker ID or lease)",
    });
  }
  return issues;
}
