// CORS for the ID routes (`CORS_ORIGINS`): unset means no CORS headers at all.

/** The origins allowed to read ID answers from a browser: a list, or `*` for any. */
export type CorsOrigins = readonly string[] | "*";

const EXPOSED = "X-Request-Id, Retry-After, WWW-Authenticate";
const ALLOWED_HEADERS = "Authorization, Accept, X-Request-Id";
const MAX_AGE_S = "600";
const ANY: Readonly<Record<string, string>> = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-expose-headers": EXPOSED,
});
const VARY_ONLY: Readonly<Record<string, string>> = Object.freeze({ vary: "Origin" });

/** Headers for an actual request's answer: allow-origin when allowed; `Vary: Origin` for a list. */
export function corsHeaders(
  origins: CorsOrigins,
  origin: string | null,
): Readonly<Record<string, string>> {
  if (origins === "*") return ANY;
  if (origin === null || !origins.includes(origin)) return VARY_ONLY;
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSED,
    vary: "Origin",
  };
}

/** Headers for a preflight's 204, or undefined when the origin is not allowed. */
export function preflightHeaders(
  origins: CorsOrigins,
  origin: string | null,
): Record<string, string> | undefined {
  const allowed = origin !== null && (origins === "*" || origins.includes(origin));
  if (!allowed) return undefined;
  return {
    "access-control-allow-origin": origins === "*" ? "*" : origin,
    "access-control-allow-methods": "GET, HEAD",
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": MAX_AGE_S,
    ...(origins === "*" ? {} : { vary: "Origin" }),
  };
}
