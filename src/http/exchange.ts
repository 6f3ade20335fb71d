import type { Context } from "hono";

/** The request-ID header: accepted from the caller when well-formed, else generated; always echoed. */
export const REQUEST_ID_HEADER = "x-request-id";
// Bounded and safe to echo in a header, a JSON body and a log line (UUIDs, ULIDs, trace IDs).
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:+=/-]{1,128}$/;

/** What the app learns about one request as it passes through (see `createApp`'s fetch). */
export interface Exchange {
  /** The matched route template, set by the route table's handlers; `unmatched` otherwise. */
  route: string;
  requestId: string;
  /** CORS headers for this answer (ID routes with `CORS_ORIGINS` set), else undefined. */
  cors: Readonly<Record<string, string>> | undefined;
}

export const UNMATCHED = "unmatched";

// Kept on the request object itself: a WeakMap keyed by request cost about 3 µs per request in
// `npm run bench:http` (its entries are ephemerons the garbage collector must trace).
const EXCHANGE = Symbol("edgeflake.exchange");
type Tagged = Request & { [EXCHANGE]?: Exchange };

// Generated IDs: a random per-instance prefix and a counter. Unique across instances without a
// random draw per request (a UUID per request cost about 1 µs). Drawn on first use: Workers refuse
// random values in global scope.
let prefix: string | undefined;
let issued = 0;

/** A new request ID: `<16 hex digits of this instance>-<counter in base 36>`. */
export function newRequestId(): string {
  prefix ??= crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  issued++;
  return `${prefix}-${issued.toString(36)}`;
}

/** Starts the exchange for `request`: its request ID is the caller's when valid, else a new one. */
export function beginExchange(request: Request): Exchange {
  const given = request.headers.get(REQUEST_ID_HEADER);
  const requestId = given && ACCEPTED_REQUEST_ID.test(given) ? given : newRequestId();
  const exchange: Exchange = { route: UNMATCHED, requestId, cors: undefined };
  (request as Tagged)[EXCHANGE] = exchange;
  return exchange;
}

/** The exchange of the request being handled (one is begun for requests reaching the app without). */
export function exchangeOf(c: Context): Exchange {
  return (c.req.raw as Tagged)[EXCHANGE] ?? beginExchange(c.req.raw);
}
