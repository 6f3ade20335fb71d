// One request to "the service": tries each URL, honours Retry-After, backs off with jitter between
// rounds, times out each attempt and gives up with a typed error. Uses fetch only.
import { RequestRejectedError, ServiceUnavailableError, type UrlFailure } from "./errors.ts";
import { backoffMs, retryAfterMs, sleep } from "./retry.ts";

/**
 * The part of `fetch` the client uses (so a Workers service binding's `fetch` fits too).
 *
 * @example
 * ```ts
 * // In a Worker with a service binding named IDS:
 * createClient({ urls: "https://ids.internal", fetch: (url, init) => env.IDS.fetch(url, init) });
 * ```
 */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  urls: readonly string[];
  token: string | undefined;
  fetch: FetchFunction;
  timeoutMs: number;
  /** Rounds over all URLs after the first one, before giving up. */
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A wait longer than this (a long Retry-After) gives up at once instead. */
  maxRetryWaitMs: number;
  random: () => number;
}

/** A body that did not parse: the URL counts as failed and the next one is tried. */
export class BadResponseError extends Error {}

/** An answer that was read to the end in time. */
export interface Delivery<T> {
  value: T;
  url: string;
  /** `Date.now()` when the request that delivered was sent: IDs in it are not older than this. */
  sentAtMs: number;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Sends requests with failover; sticks to the last URL that worked. */
export class Transport {
  /** The URL tried first: the last one that answered. */
  current = 0;
  requests = 0;
  failures = 0;
  private readonly options: TransportOptions;
  /** Per URL: not to be asked before this `Date.now()` (its Retry-After). */
  private readonly notBeforeMs: number[];

  constructor(options: TransportOptions) {
    this.options = options;
    this.notBeforeMs = options.urls.map(() => 0);
  }

  /** GETs `path` from the first URL that answers 2xx and reads it with `read`. */
  async get<T>(
    path: string,
    accept: string,
    read: (response: Response) => Promise<T>,
    signal: AbortSignal,
  ): Promise<Delivery<T>> {
    const { urls, retries } = this.options;
    const failures = new Map<string, UrlFailure>();
    for (let round = 0; ; round++) {
      for (let k = 0; k < urls.length; k++) {
        const index = (this.current + k) % urls.length;
        const url = urls[index] as string;
        const waitMs = (this.notBeforeMs[index] as number) - Date.now();
        if (waitMs > 0) {
          failures.set(url, {
            url,
            status: 503,
            reason: `Retry-After: ${Math.ceil(waitMs)} ms left`,
          });
          continue;
        }
        const outcome = await this.attempt(index, path, accept, read, signal);
        if ("value" in outcome) {
          this.current = index;
          return outcome;
        }
        this.failures++;
        failures.set(url, outcome);
      }
      const wait = this.waitBeforeRound(round);
      if (round >= retries || wait.giveUpMs !== undefined) {
        throw new ServiceUnavailableError([...failures.values()], wait.giveUpMs);
      }
      await sleep(wait.ms, signal);
    }
  }

  /**
   * The jittered backoff, or until the earliest Retry-After ends if that is later. A Retry-After
   * beyond `maxRetryWaitMs` is not waited for: the other URLs are retried, or, when every URL asked
   * to wait, the call gives up at once (`giveUpMs` says how long they asked).
   */
  private waitBeforeRound(round: number): { ms: number; giveUpMs?: number } {
    const { backoffBaseMs, backoffMaxMs, maxRetryWaitMs, random } = this.options;
    const now = Date.now();
    const backoff = backoffMs(round, backoffBaseMs, backoffMaxMs, random());
    const asked = this.notBeforeMs.map((at) => at - now).filter((ms) => ms > 0);
    const earliest = asked.length > 0 ? Math.min(...asked) : 0;
    if (earliest <= maxRetryWaitMs) return { ms: Math.max(backoff, earliest) };
    return asked.length === this.notBeforeMs.length
      ? { ms: 0, giveUpMs: Math.ceil(earliest) }
      : { ms: backoff };
  }

  private async attempt<T>(
    index: number,
    path: string,
    accept: string,
    read: (response: Response) => Promise<T>,
    signal: AbortSignal,
  ): Promise<Delivery<T> | UrlFailure> {
    const url = this.options.urls[index] as string;
    const headers: Record<string, string> = { accept };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    const timeout = new AbortController();
    const onAbort = () => timeout.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => timeout.abort(new Error("timeout")), this.options.timeoutMs);
    const sentAtMs = Date.now();
    this.requests++;
    try {
      const response = await this.options.fetch(url + path, { headers, signal: timeout.signal });
      if (response.ok) return { value: await read(response), url, sentAtMs };
      return await this.refusal(index, response);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof RequestRejectedError) throw error;
      const reason = timeout.signal.aborted
        ? `no answer within ${this.options.timeoutMs} ms`
        : describe(error);
      return { url, reason };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** A non-2xx answer: a failure to fail over from, or (4xx) a rejection thrown to the caller. */
  private async refusal(index: number, response: Response): Promise<UrlFailure> {
    const url = this.options.urls[index] as string;
    const body = await response.text().catch(() => "");
    const problem = parseProblem(body);
    if (!RETRYABLE_STATUS.has(response.status)) {
      throw new RequestRejectedError(
        url,
        response.status,
        problem?.detail ?? body.slice(0, 200),
        problem?.type,
      );
    }
    const asked = retryAfterMs(response.headers.get("retry-after"), Date.now());
    if (asked !== undefined) {
      // Jittered, so that many clients told "1 s" do not all come back in the same millisecond.
      this.notBeforeMs[index] = Date.now() + asked * (1 + 0.2 * this.options.random());
    }
    return { url, status: response.status, reason: problem?.detail ?? response.statusText };
  }
}

function parseProblem(body: string): { type?: string; detail?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { type, detail } = parsed as Record<string, unknown>;
    return {
      type: typeof type === "string" ? type : undefined,
      detail: typeof detail === "string" ? detail : undefined,
    };
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
