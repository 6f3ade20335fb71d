import { ID_FORMATS, type IdFormat } from "../core/index.ts";
import { ClientOptionsError } from "./errors.ts";
import type { FetchFunction } from "./transport.ts";

/**
 * How the client stocks IDs ahead of use (Leaf's double buffer, sized by the consumption rate).
 *
 * @example
 * ```ts
 * createClient({ urls, prefetch: { minBatch: 100, maxBatch: 5000, targetMs: 500 } });
 * ```
 */
export interface PrefetchOptions {
  /** The smallest refill, and the first one (default 16). */
  minBatch?: number;
  /** The largest refill (default 10000, and never above the server's `MAX_BATCH`). */
  maxBatch?: number;
  /** A refill is sized to last about this long at the current consumption rate (default 1000 ms). */
  targetMs?: number;
}

/**
 * Options of `createClient`; only `urls` is required.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   urls: ["https://ids-1.example.com", "https://ids-2.example.com"],
 *   token: process.env.EDGEFLAKE_TOKEN,
 *   timeoutMs: 1000,
 *   maxAgeMs: 60_000,
 * };
 * ```
 */
export interface ClientOptions {
  /** One base URL or several (tried in order, sticking to the last that answered). */
  urls: string | readonly string[];
  /** Sent as `Authorization: Bearer <token>` (the service's `AUTH_TOKEN`). */
  token?: string;
  /** Stock IDs ahead of use (default true); false fetches exactly what each call asks for. */
  prefetch?: boolean | PrefetchOptions;
  /** The text form of string IDs (default `decimal`); bigint IDs always travel as decimal. */
  format?: IdFormat;
  /** `"string"` (default) or `"bigint"`; IDs are never JavaScript numbers (they exceed 2^53). */
  type?: "string" | "bigint";
  /** Per request, body included (default 2000 ms). */
  timeoutMs?: number;
  /** Buffered IDs fetched longer ago than this are discarded, never served (default: no limit). */
  maxAgeMs?: number;
  /** Aborting it closes the client: the request in flight is cancelled, waiting calls reject. */
  signal?: AbortSignal;
  /** Rounds over all URLs after the first, before a call fails (default 2). */
  retries?: number;
  /** Backoff between rounds: doubling from this (default 50 ms)... */
  backoffBaseMs?: number;
  /** ...up to this (default 2000 ms), half of it random. */
  backoffMaxMs?: number;
  /** A `Retry-After` longer than this fails at once instead of waiting (default 10000 ms). */
  maxRetryWaitMs?: number;
  /** The fetch to use (default the global one), for example a Workers service binding's. */
  fetch?: FetchFunction;
}

/** Options with every default filled in and checked. */
export interface ResolvedOptions {
  urls: string[];
  token: string | undefined;
  prefetch: Required<PrefetchOptions> | undefined;
  format: IdFormat;
  bigint: boolean;
  timeoutMs: number;
  maxAgeMs: number | undefined;
  signal: AbortSignal | undefined;
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRetryWaitMs: number;
  fetch: FetchFunction;
}

/** Fills in defaults; throws `ClientOptionsError` naming the first bad option. */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new ClientOptionsError("createClient needs an options object with urls");
  }
  const prefetch = options.prefetch ?? true;
  const format = options.format ?? "decimal";
  if (!ID_FORMATS.includes(format)) {
    throw new ClientOptionsError(`format must be one of ${ID_FORMATS.join(", ")} (got ${format})`);
  }
  if (options.type !== undefined && options.type !== "string" && options.type !== "bigint") {
    throw new ClientOptionsError(`type must be "string" or "bigint" (got ${String(options.type)})`);
  }
  const fetchFunction = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchFunction !== "function") {
    throw new ClientOptionsError("no fetch: pass options.fetch on runtimes without a global one");
  }
  return {
    urls: resolveUrls(options.urls),
    token: options.token,
    prefetch: prefetch === false ? undefined : resolvePrefetch(prefetch === true ? {} : prefetch),
    format,
    bigint: options.type === "bigint",
    timeoutMs: positive("timeoutMs", options.timeoutMs, 2000),
    maxAgeMs:
      options.maxAgeMs === undefined ? undefined : positive("maxAgeMs", options.maxAgeMs, 0),
    signal: options.signal,
    retries: integer("retries", options.retries, 2, 0, 100),
    backoffBaseMs: positive("backoffBaseMs", options.backoffBaseMs, 50),
    backoffMaxMs: positive("backoffMaxMs", options.backoffMaxMs, 2000),
    maxRetryWaitMs: positive("maxRetryWaitMs", options.maxRetryWaitMs, 10_000),
    fetch: fetchFunction,
  };
}

function resolveUrls(urls: ClientOptions["urls"]): string[] {
  const list = typeof urls === "string" ? [urls] : Array.isArray(urls) ? [...urls] : [];
  if (list.length === 0) throw new ClientOptionsError("urls must name at least one base URL");
  return list.map((url) => {
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw new ClientOptionsError(`"${String(url)}" is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ClientOptionsError(`"${String(url)}" is not an http(s) URL`);
    }
    if (parsed.search || parsed.hash) {
      throw new ClientOptionsError(`"${String(url)}": a base URL has no query or fragment`);
    }
    return parsed.href.replace(/\/+$/, "");
  });
}

function resolvePrefetch(prefetch: PrefetchOptions): Required<PrefetchOptions> {
  const maxBatch = integer("prefetch.maxBatch", prefetch.maxBatch, 10_000, 1, 1_000_000);
  const minBatch = integer(
    "prefetch.minBatch",
    prefetch.minBatch,
    Math.min(16, maxBatch),
    1,
    maxBatch,
  );
  return { minBatch, maxBatch, targetMs: positive("prefetch.targetMs", prefetch.targetMs, 1000) };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ClientOptionsError(`${name} must be a positive number of ms (got ${String(value)})`);
  }
  return value;
}

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ClientOptionsError(
      `${name} must be an integer in ${min}..${max} (got ${String(value)})`,
    );
  }
  return value;
}
