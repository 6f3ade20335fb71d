import { type Context, Hono } from "hono";
import type { IdRun } from "../core/id-runs.ts";
import { decodeId, EdgeflakeError, type IdFormat, parseId } from "../core/index.ts";
import { registerHttpMetrics } from "../metrics/http.ts";
import type { Background } from "../service-types.ts";
import { bearerMatches } from "./auth.ts";
import { corsHeaders, preflightHeaders } from "./cors.ts";
import type { AppDeps } from "./deps.ts";
import { beginExchange, type Exchange, exchangeOf, REQUEST_ID_HEADER } from "./exchange.ts";
import { healthIssues, publicIssue } from "./health.ts";
import { batchBody, singleIdBody } from "./id-body.ts";
import { layoutDocument } from "./layout-route.ts";
import { prefersText, wantsJson } from "./negotiate.ts";
import { openApiDocument } from "./openapi.ts";
import { livez, readyz } from "./probes.ts";
import {
  API_HEADER_OBJECT,
  apiHeaders,
  type Problem,
  ProblemError,
  problem,
  problemAsResponse,
  problemResponse,
} from "./problem.ts";
import { badRequest, parseQuery, truncate } from "./query.ts";
import { decodeQuerySchema, generateQuerySchema } from "./schemas.ts";
import { throttledWarn } from "./throttled-log.ts";

export type { AppDeps } from "./deps.ts";

const MAX_URL_LENGTH = 2048;
// IDs from another layout or epoch decode to far-future times; a real ID is never that far ahead.
const DECODE_FUTURE_SLACK_MS = 3_600_000;
const BAD_INPUT_CODES = new Set(["INVALID_ID", "INVALID_COUNT"]);
// Plain header objects: @hono/node-server writes them straight out (its fast path), unlike Headers.
const JSON_HEADERS = { "content-type": "application/json", ...API_HEADER_OBJECT };
const TEXT_HEADERS = { "content-type": "text/plain; charset=UTF-8", ...API_HEADER_OBJECT };

type Handler = (c: Context, x: Exchange) => Response | Promise<Response>;

/** One entry of the route table: it registers the route and names it in metrics. */
interface Route {
  path: string;
  handler: Handler;
  /** An ID route: answers CORS preflights and carries CORS headers when `CORS_ORIGINS` is set. */
  ids?: boolean;
}

/** The Hono app: the same on every runtime; the target passes in everything it needs. */
export function createApp(deps: AppDeps, version = "0.0.0"): Hono {
  const { generator, clock, bodyBuffer } = deps;
  const app = new Hono();
  const httpMetrics = registerHttpMetrics(deps.registry);
  const openapi = JSON.stringify(openApiDocument(version, deps.maxBatch));
  const layoutBody = JSON.stringify(layoutDocument(deps.generator.layout, deps.maxBatch));
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
  const authorised = (c: Context): Promise<boolean> | boolean => {
    const header = c.req.header("Authorization");
    const tokens = [deps.authToken, deps.metricsToken].filter((t) => t !== undefined);
    if (header === undefined || tokens.length === 0) return false;
    return Promise.all(tokens.map((t) => bearerMatches(header, t))).then((m) => m.includes(true));
  };

  const generate = (c: Context, x: Exchange): Response | Promise<Response> => {
    const query = parseQuery(c, generateQuerySchema, ["count", "format"]);
    const count = query.count === undefined ? undefined : Number(query.count);
    if (count !== undefined && (count < 1 || count > deps.maxBatch)) {
      throw badRequest(
        "invalid-count",
        `count must be between 1 and ${deps.maxBatch} (got ${query.count})`,
      );
    }
    const format: IdFormat = query.format ?? "decimal";
    const text = prefersText(c.req.header("Accept"));
    const headers: Record<string, string> = { ...(text ? TEXT_HEADERS : JSON_HEADERS), ...x.cors };
    headers[REQUEST_ID_HEADER] = x.requestId;
    // HEAD answers GET's headers without issuing (or leasing): IDs are never spent on a probe.
    if (c.req.method === "HEAD") return new Response(null, { headers });
    const respond = (runs: IdRun[]): Response => {
      if (count === undefined) return new Response(singleIdBody(runs, format, text), { headers });
      const allocate = bodyBuffer && ((bytes: number) => bodyBuffer(bytes, c.env));
      return new Response(batchBody(runs, format, text, allocate), { headers });
    };
    if (deps.beforeIssue) {
      return deps
        .beforeIssue(backgroundOf(c))
        .then(() => generator.nextRunsAsync(count ?? 1))
        .then(respond);
    }
    // Usually the IDs are there without waiting; only a wait (overflow, clock) goes async.
    const ready = generator.tryNextRuns(count ?? 1);
    return ready ? respond(ready) : generator.nextRunsAsync(count ?? 1).then(respond);
  };

  const decode = (c: Context, x: Exchange): Response => {
    const query = parseQuery(c, decodeQuerySchema, ["format"]);
    const id = parseId(c.req.param("id") ?? "", query.format ?? "decimal");
    answerHeaders(c, x);
    return c.json(
      decodeId(id, generator.layout, { notAfterMs: clock.now() + DECODE_FUTURE_SLACK_MS }),
    );
  };

  const health = async (c: Context, x: Exchange): Promise<Response> => {
    await deps.beforeHealth?.(backgroundOf(c));
    const all = healthIssues(deps);
    const detailed = all.some((i) => i.cause !== undefined) && (await authorised(c));
    const issues = detailed ? all : all.map(publicIssue);
    const generated = generator.stats.generated;
    answerHeaders(c, x);
    const status = issues.length === 0 ? 200 : 503;
    if (wantsJson(c.req.header("Accept"))) {
      const state = status === 200 ? "ok" : "unavailable";
      const facts = deps.healthFacts?.(clock.now());
      const body = { status: state, generated, workerId: generator.workerId, ...facts, issues };
      return c.json(body, status);
    }
    if (status === 200) return c.text(`OK: Generated ${generated} IDs`);
    const reasons = issues.map((i) => `${i.check}: ${i.detail}${i.cause ? `: ${i.cause}` : ""}`);
    return c.text(`UNAVAILABLE: ${reasons.join("; ")}`, 503);
  };

  /** The handler behind a bearer token check, when that token is configured. */
  const protect =
    (handler: Handler, token: string | undefined): Handler =>
    (c, x) =>
      token === undefined ? handler(c, x) : requireToken(c, token).then(() => handler(c, x));
  const routes: Route[] = [
    { path: "/generate", handler: protect(generate, deps.authToken), ids: true },
    { path: "/decode/:id", handler: protect(decode, deps.authToken), ids: true },
    { path: "/health", handler: health },
    // Probes (probes.ts): open like /health, never issuing or leasing.
    { path: "/livez", handler: withHeaders(livez) },
    { path: "/readyz", handler: withHeaders((c) => readyz(c, deps)) },
    {
      path: "/metrics",
      handler: protect(async (c, x) => {
        answerHeaders(c, x);
        const body = await deps.registry.metrics();
        return c.body(body, 200, { "Content-Type": deps.registry.contentType });
      }, deps.metricsToken),
    },
    {
      // Open like /openapi.json: it describes the service and issues nothing; CORS for browser clients.
      path: "/layout",
      handler: (c, x) => {
        answerHeaders(c, x);
        return c.body(layoutBody, 200, { "Content-Type": "application/json" });
      },
      ids: true,
    },
    {
      path: "/openapi.json",
      handler: (c, x) => {
        answerHeaders(c, x);
        return c.body(openapi, 200, { "Content-Type": "application/json" });
      },
    },
  ];
  const { corsOrigins } = deps;
  // One GET handler per path (so Hono answers without composing a chain); the table names the route.
  for (const { path, handler, ids } of routes) {
    const cors = ids && corsOrigins !== undefined ? corsOrigins : undefined;
    app.get(path, (c) => {
      const x = exchangeOf(c);
      x.route = path;
      if (cors) x.cors = corsHeaders(cors, c.req.header("Origin") ?? null);
      return handler(c, x);
    });
    if (!cors) continue;
    app.options(path, (c) => {
      const x = exchangeOf(c);
      x.route = path;
      const origin = c.req.header("Origin") ?? null;
      const headers = preflightHeaders(cors, origin);
      if (!headers) {
        const detail = `origin ${truncate(origin ?? "(none)")} is not allowed (CORS_ORIGINS)`;
        return answerProblem(c, problem(403, "origin-not-allowed", "Forbidden", detail));
      }
      answerHeaders(c, x);
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
      return c.body(null, 204);
    });
  }

  app.notFound((c) => {
    // A path the router knows for GET, asked with another method: 405, named by its route.
    const known = app.router.match("GET", c.req.path)[0][0]?.[0][1].path;
    if (known !== undefined) {
      exchangeOf(c).route = known;
      const detail = "only GET and HEAD are allowed here";
      return answerProblem(c, problem(405, "method-not-allowed", "Method Not Allowed", detail), {
        Allow: "GET, HEAD",
      });
    }
    const detail = `no route for ${c.req.method} ${truncate(c.req.path)}`;
    return answerProblem(c, problem(404, "not-found", "Not Found", detail));
  });

  app.onError((error, c) => {
    const { requestId } = exchangeOf(c);
    if (error instanceof ProblemError) return answerProblem(c, error.problem, error.headers);
    if (error instanceof EdgeflakeError) {
      if (BAD_INPUT_CODES.has(error.code)) {
        return answerProblem(c, { ...badRequest(slug(error.code), error.message).problem });
      }
      warn(error.code, { code: error.code, err: error.message, requestId }, "cannot issue");
      const refused = problem(503, slug(error.code), "Service Unavailable", error.message);
      return answerProblem(c, refused, { "Retry-After": "1" });
    }
    deps.logger.error({ err: String(error), requestId }, "unexpected error");
    const detail = "unexpected error; it has been logged";
    return answerProblem(c, problem(500, "internal", "Internal Server Error", detail));
  });

  const dispatch = app.fetch;
  // Every request is timed and counted here (route from the table above), and over-long URLs are
  // refused before routing.
  app.fetch = (request, env, executionCtx) => {
    const started = clock.monotonic();
    const x = beginExchange(request);
    const record = (response: Response) => {
      const seconds = (clock.monotonic() - started) / 1000;
      httpMetrics.observe(request.method, x.route, response.status, seconds);
      return response;
    };
    if (request.url.length > MAX_URL_LENGTH) {
      const detail = `URLs are limited to ${MAX_URL_LENGTH} characters`;
      const body = withRequestId(problem(414, "uri-too-long", "URI Too Long", detail), x);
      return record(problemAsResponse(body, { [REQUEST_ID_HEADER]: x.requestId }));
    }
    const response = dispatch(request, env, executionCtx);
    return response instanceof Promise ? response.then(record) : record(response);
  };
  return app;
}

/** The headers every answer carries, plus this request's ID and CORS headers. */
function answerHeaders(c: Context, x: Exchange): void {
  apiHeaders(c);
  c.header(REQUEST_ID_HEADER, x.requestId);
  if (x.cors) for (const [name, value] of Object.entries(x.cors)) c.header(name, value);
}

/** A handler that answers with the common headers (answerHeaders). */
function withHeaders(respond: (c: Context) => Response): Handler {
  return (c, x) => {
    answerHeaders(c, x);
    return respond(c);
  };
}

/** A problem answer naming the request, with CORS headers on ID routes. */
function answerProblem(c: Context, body: Problem, headers: Record<string, string> = {}): Response {
  const x = exchangeOf(c);
  answerHeaders(c, x);
  return problemResponse(c, withRequestId(body, x), headers);
}

function withRequestId(body: Problem, x: Exchange): Problem {
  return { ...body, requestId: x.requestId };
}

function slug(code: string): string {
  return code.toLowerCase().replaceAll("_", "-");
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
