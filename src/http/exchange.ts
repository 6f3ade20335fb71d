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

const exchanges = new WeakMap<Request, Exchange>();

/** Starts the exchange for `request`: its request ID is the caller's when valid, else a new UUID. */
export function beginExchange(request: Request): Exchange {
  const given = request.headers.get(REQUEST_ID_HEADER);
  const requestId = given && ACCEPTED_REQUEST_ID.test(given) ? given : crypto.randomUUID();
  const exchange: Exchange = { route: UNMATCHED, requestId, cors: undefined };
  exchanges.set(request, exchange);
  return exchange;
}

/** The exchange of the request being handled (one is begun for requests reaching the app without). */
export function exchangeOf(c: Context): Exchange {
  return exchanges.get(c.req.raw) ?? beginExchange(c.req.raw);
}
