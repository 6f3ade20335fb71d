import { EdgeflakeError } from "../core/errors.ts";

/**
 * Why one URL did not deliver: its HTTP status when it answered, and a reason either way.
 *
 * @example
 * ```ts
 * // { url: "http://ids-1:8080", status: 503, reason: "no valid worker-ID lease covers the current time" }
 * const [first]: readonly UrlFailure[] = error.failures;
 * ```
 */
export interface UrlFailure {
  url: string;
  /** The HTTP status, when the server answered. */
  status?: number;
  reason: string;
}

/**
 * Every URL failed (network error, timeout, 5xx, 503 with `Retry-After`) for all attempts.
 * IDs already buffered are still served; only calls that needed a fetch get this error.
 *
 * @example
 * ```ts
 * try {
 *   await client.next();
 * } catch (error) {
 *   if (error instanceof ServiceUnavailableError) console.warn(error.failures);
 * }
 * ```
 */
export class ServiceUnavailableError extends EdgeflakeError {
  /** The last failure of each URL, in the order they were tried. */
  readonly failures: readonly UrlFailure[];
  /** When servers asked to wait longer than the client's `maxRetryWaitMs`: how long they asked. */
  readonly retryAfterMs: number | undefined;
  constructor(failures: readonly UrlFailure[], retryAfterMs?: number) {
    const summary = failures
      .map((f) => `${f.url}: ${f.status === undefined ? "" : `${f.status} `}${f.reason}`)
      .join("; ");
    super("SERVICE_UNAVAILABLE", `every edgeflake URL failed (${summary})`);
    this.failures = failures;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A server refused the request itself (4xx: a wrong token, a count it does not accept): retrying
 * cannot help, so the client does not retry or fail over.
 *
 * @example
 * ```ts
 * client.next().catch((error) => {
 *   if (error instanceof RequestRejectedError && error.status === 401) console.error("bad token");
 * });
 * ```
 */
export class RequestRejectedError extends EdgeflakeError {
  readonly status: number;
  readonly url: string;
  /** The RFC 9457 problem `type` of the answer, when it had one. */
  readonly problemType: string | undefined;
  constructor(url: string, status: number, detail: string, problemType?: string) {
    super("REQUEST_REJECTED", `${url} answered ${status}: ${detail}`);
    this.url = url;
    this.status = status;
    this.problemType = problemType;
  }
}

/**
 * The client was closed (`close()`, or its `signal` aborted) before the call could be served.
 *
 * @example
 * ```ts
 * client.close();
 * await client.next(); // rejects with ClientClosedError
 * ```
 */
export class ClientClosedError extends EdgeflakeError {
  constructor(reason?: unknown) {
    super("CLIENT_CLOSED", "the edgeflake client is closed");
    if (reason !== undefined) this.cause = reason;
  }
}

/**
 * `createClient` was given options it cannot work with (no URL, a bad URL, a bound out of range).
 *
 * @example
 * ```ts
 * createClient({ urls: [] }); // throws ClientOptionsError
 * ```
 */
export class ClientOptionsError extends EdgeflakeError {
  constructor(message: string) {
    super("INVALID_CLIENT_OPTIONS", message);
  }
}
