import { type Context, Hono } from "hono";
import { routePath } from "hono/route";
import { decodeId, EdgeflakeError, formatId, type IdFormat, parseId } from "../core/index.ts";
import { registerHttpMetrics } from "../metrics/http.ts";
import { bearerMatches } from "./auth.ts";
import type { AppDeps, Background, HealthIssue } from "./deps.ts";
import { prefersText, wantsJson } from "./negotiate.ts";
import { openApiDocument } from "./openapi.ts";
import { ProblemError, problemResponse } from "./problem.ts";
import { decodeQuerySchema, generateQuerySchema } from "./schemas.ts";

export type { AppDeps } from "./deps.ts";

const MAX_URL_LENGTH = 2048;
const CLOCK_ERROR_WINDOW_MS = 60_000;
// IDs from another layout or epoch decode to far-future times; a real ID is never that far ahead.
const DECODE_FUTURE_SLACK_MS = 3_600_000;
const BAD_INPUT_CODES = new Set(["INVALID_ID", "INVALID_COUNT"]);
const SECURITY_HEADERS: [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
  ["Referrer-Policy", "no-referrer"],
];
const ROUTES = ["/generate", "/decode/:id", "/health", "/metrics", "/openapi.json"];

/** The Hono app: the same on every runtime; the target passes in everything it needs. */
export function createApp(deps: AppDeps, version = "0.0.0"): Hono {
  const { generator, clock } = deps;
  const app = new Hono();
  const httpMetrics = registerHttpMetrics(deps.registry);
  const openapi = JSON.stringify(openApiDocument(version, deps.maxBatch));

  app.use(async (c, next) => {
    const started = clock.monotonic();
    await next();
    const route = routePath(c, -1);
    httpMetrics.observe(
      c.req.method,
      ROUTES.includes(route) ? route : "unmatched",
      c.res.status,
      (clock.monotonic() - started) / 1000,
    );
  });
  app.use((c, next) => {
    // OWASP's headers for APIs, set before the response exists: Hono's secure-headers middleware
    // edits the finished response, which made @hono/node-server build a full Response (+8 µs/req).
    for (const [name, value] of SECURITY_HEADERS) c.header(name, value);
    if (c.req.url.length > MAX_URL_LENGTH) {
      throw new ProblemError(
        414,
        "uri-too-long",
        "URI Too Long",
        `URLs are limited to ${MAX_URL_LENGTH} characters`,
      );
    }
    return next();
  });
  const requireToken = (token: string) => async (c: Context, next: () => Promise<void>) => {
    if (!(await bearerMatches(c.req.header("Authorization"), token))) {
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
    await next();
  };
  if (deps.authToken !== undefined) {
    app.use("/generate", requireToken(deps.authToken));
    app.use("/decode/*", requireToken(deps.authToken));
  }
  if (deps.metricsToken !== undefined) app.use("/metrics", requireToken(deps.metricsToken));

  app.get("/generate", async (c) => {
    const query = parseQuery(c, generateQuerySchema, ["count", "format"]);
    const count = query.count === undefined ? undefined : Number(query.count);
    if (count !== undefined && (count < 1 || count > deps.maxBatch)) {
      throw badRequest(
        "invalid-count",
        `count must be between 1 and ${deps.maxBatch} (got ${query.count})`,
      );
    }
    const format: IdFormat = query.format ?? "decimal";
    await deps.beforeIssue?.(backgroundOf(c));
    const ids = await generator.nextBatchAsync(count ?? 1);
    const texts = ids.map((id) => formatId(id, format));
    c.header("Cache-Control", "no-store");
    if (prefersText(c.req.header("Accept"))) return c.text(`${texts.join("\n")}\n`);
    return c.json(count === undefined ? { id: texts[0] } : { ids: texts });
  });

  app.get("/decode/:id", (c) => {
    const query = parseQuery(c, decodeQuerySchema, ["format"]);
    const id = parseId(c.req.param("id"), query.format ?? "decimal");
    return c.json(
      decodeId(id, generator.layout, { notAfterMs: clock.now() + DECODE_FUTURE_SLACK_MS }),
    );
  });

  app.get("/health", (c) => {
    const issues = healthIssues(deps);
    const generated = generator.stats.generated;
    c.header("Cache-Control", "no-store");
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
    c.header("Cache-Control", "no-store");
    return c.body(await deps.registry.metrics(), 200, {
      "Content-Type": deps.registry.contentType,
    });
  });

  app.get("/openapi.json", (c) => c.body(openapi, 200, { "Content-Type": "application/json" }));

  for (const route of ROUTES) {
    app.all(route, () => {
      throw new ProblemError(
        405,
        "method-not-allowed",
        "Method Not Allowed",
        "only GET and HEAD are allowed here",
        {
          Allow: "GET, HEAD",
        },
      );
    });
  }

  app.notFound((c) =>
    problemResponse(c, {
      type: "urn:edgeflake:problem:not-found",
      title: "Not Found",
      status: 404,
      detail: `no route for ${c.req.method} ${truncate(new URL(c.req.url).pathname)}`,
    }),
  );

  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error.problem, error.headers);
    if (error instanceof EdgeflakeError) {
      if (BAD_INPUT_CODES.has(error.code)) {
        return problemResponse(c, { ...badRequest(slug(error.code), error.message).problem });
      }
      deps.logger.warn({ code: error.code, err: error.message }, "cannot issue");
      return problemResponse(
        c,
        {
          type: `urn:edgeflake:problem:${slug(error.code)}`,
          title: "Service Unavailable",
          status: 503,
          detail: error.message,
        },
        { "Retry-After": "1" },
      );
    }
    deps.logger.error({ err: String(error) }, "unexpected error");
    return problemResponse(c, {
      type: "urn:edgeflake:problem:internal",
      title: "Internal Server Error",
      status: 500,
      detail: "unexpected error; it has been logged",
    });
  });

  return app;
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
