import type { DecodedId, Layout } from "../core/index.ts";

/**
 * Per-call options of `next` and `batch`.
 *
 * @example
 * ```ts
 * const id = await client.next({ signal: AbortSignal.timeout(50) }); // give up after 50 ms
 * ```
 */
export interface CallOptions {
  /** Gives up waiting for this call only (the client and its refills carry on). */
  signal?: AbortSignal;
}

/**
 * Counters of one client, for logs and tests.
 *
 * @example
 * ```ts
 * const { requests, failures, buffered, url } = client.stats;
 * ```
 */
export interface ClientStats {
  /** HTTP requests sent (every attempt counts) and attempts that failed. */
  requests: number;
  failures: number;
  /** IDs received, handed out, and dropped by `maxAgeMs` or `close()`. */
  fetched: number;
  served: number;
  discarded: number;
  /** IDs in the buffer now, and the size of the next refill. */
  buffered: number;
  refillSize: number;
  /** The URL tried first (the last that answered). */
  url: string;
}

/**
 * A client of an edgeflake service: IDs from a local buffer that refills ahead of use. `T` is
 * `string` (the default) or `bigint` (`type: "bigint"`).
 *
 * @example
 * ```ts
 * const client: EdgeflakeClient<bigint> = createClient({ urls: url, type: "bigint" });
 * const id: bigint = await client.next();
 * ```
 */
export interface EdgeflakeClient<T extends string | bigint> {
  /** One ID; from the buffer without any request when it holds one. */
  next(options?: CallOptions): Promise<T>;
  /** `count` IDs, strictly increasing (while they come from one server). */
  batch(count: number, options?: CallOptions): Promise<T[]>;
  /** The fields of an ID, decoded locally with the server's layout (fetched once). */
  decode(id: T | string): Promise<DecodedId>;
  /** The server's layout, from `GET /layout` (fetched once). */
  layout(): Promise<Layout>;
  readonly stats: ClientStats;
  /** Stops refills and rejects waiting calls with `ClientClosedError`; buffered IDs are dropped. */
  close(reason?: unknown): void;
}
