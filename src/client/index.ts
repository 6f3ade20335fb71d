/**
 * `edgeflake/client`: IDs from an edgeflake service through a local, prefetching buffer.
 * Uses `fetch` only, so it runs unchanged on Node, Deno, Bun, Cloudflare Workers and in browsers.
 *
 * @example
 * ```ts
 * import { createClient } from "edgeflake/client";
 *
 * const client = createClient({ urls: "http://localhost:8080" });
 * console.log(await client.next()); // "251389407452463104"
 * ```
 * @packageDocumentation
 */
export type { DecodedId, IdFormat, Layout } from "../core/index.ts";
export { EdgeflakeError, InvalidCountError, InvalidIdError } from "../core/index.ts";
export {
  type CallOptions,
  type ClientStats,
  createClient,
  type EdgeflakeClient,
} from "./client.ts";
export {
  ClientClosedError,
  ClientOptionsError,
  RequestRejectedError,
  ServiceUnavailableError,
  type UrlFailure,
} from "./errors.ts";
export type { ClientOptions, PrefetchOptions } from "./options.ts";
export type { FetchFunction } from "./transport.ts";
