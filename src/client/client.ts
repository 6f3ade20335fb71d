import {
  type DecodedId,
  decodeId,
  type IdFormat,
  InvalidCountError,
  type Layout,
  parseId,
} from "../core/index.ts";
import { IdBuffer } from "./buffer.ts";
import { ClientClosedError } from "./errors.ts";
import { isCountRejection, readIds } from "./ids-response.ts";
import { readLayout, type ServerLayout } from "./layout.ts";
import { type ClientOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { Transport } from "./transport.ts";
import type { CallOptions, ClientStats, EdgeflakeClient } from "./types.ts";

export type { CallOptions, ClientStats, EdgeflakeClient } from "./types.ts";

/**
 * Creates a client. IDs are strings by default, bigints with `type: "bigint"`.
 *
 * @example
 * ```ts
 * import { createClient } from "edgeflake/client";
 *
 * const client = createClient({ urls: ["https://ids-1.example.com", "https://ids-2.example.com"] });
 * const id = await client.next();          // "251389407452463104"
 * const ids = await client.batch(100);     // 100 strings, increasing
 * const { time, workerId } = await client.decode(id);
 * ```
 */
export function createClient(options: ClientOptions & { type: "bigint" }): EdgeflakeClient<bigint>;
export function createClient(options: ClientOptions & { type?: "string" }): EdgeflakeClient<string>;
export function createClient(
  options: ClientOptions,
): EdgeflakeClient<string> | EdgeflakeClient<bigint>;
export function createClient(
  options: ClientOptions,
): EdgeflakeClient<string> | EdgeflakeClient<bigint> {
  const resolved = resolveOptions(options);
  return resolved.bigint
    ? new BufferedClient<bigint>(resolved, BigInt)
    : new BufferedClient<string>(resolved, (id) => id);
}

// A real ID is never far in the future; one of another layout or epoch decodes to a far-off time.
const DECODE_FUTURE_SLACK_MS = 3_600_000;

interface Waiter {
  count: number;
  resolve: (ids: string[]) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

class BufferedClient<T extends string | bigint> implements EdgeflakeClient<T> {
  private readonly options: ResolvedOptions;
  private readonly convert: (id: string) => T;
  private readonly wireFormat: IdFormat;
  private readonly transport: Transport;
  private readonly buffer: IdBuffer;
  private readonly controller = new AbortController();
  private readonly waiters: Waiter[] = [];
  private refilling = false;
  private closedError: ClientClosedError | undefined;
  private served = 0;
  private fetched = 0;
  /** The next refill's size; the buffer is topped up once it holds fewer (the low watermark). */
  private refillSize: number;
  private maxBatch: number;
  private sizedAtMs: number | undefined;
  private servedWhenSized = 0;
  /** After a failed refill, background prefetch waits until this time (calls that wait do not). */
  private prefetchPausedUntilMs = 0;
  private serverLayout: Promise<ServerLayout> | undefined;

  constructor(options: ResolvedOptions, convert: (id: string) => T) {
    this.options = options;
    this.convert = convert;
    this.wireFormat = options.bigint ? "decimal" : options.format;
    this.transport = new Transport({ ...options, random: Math.random });
    this.buffer = new IdBuffer(options.maxAgeMs, Date.now);
    this.refillSize = options.prefetch?.minBatch ?? 0;
    this.maxBatch = options.prefetch?.maxBatch ?? 10_000;
    const { signal } = options;
    if (signal?.aborted) this.close(signal.reason);
    signal?.addEventListener("abort", () => this.close(signal.reason), { once: true });
  }

  next(options?: CallOptions): Promise<T> {
    if (this.waiters.length === 0 && this.closedError === undefined) {
      const id = this.buffer.takeOne();
      if (id !== undefined) {
        this.served++;
        if (this.buffer.size < this.refillSize && !this.refilling) this.prefetch();
        return Promise.resolve(this.convert(id));
      }
    }
    return this.wait(1, options?.signal).then((ids) => this.convert(ids[0] as string));
  }

  batch(count: number, options?: CallOptions): Promise<T[]> {
    if (!Number.isSafeInteger(count) || count < 1) {
      return Promise.reject(new InvalidCountError(count));
    }
    return this.wait(count, options?.signal).then((ids) => ids.map(this.convert));
  }

  async decode(id: T | string): Promise<DecodedId> {
    const { layout } = await this.readServerLayout();
    const value = typeof id === "bigint" ? id : parseId(id, this.wireFormat);
    return decodeId(value, layout, { notAfterMs: Date.now() + DECODE_FUTURE_SLACK_MS });
  }

  async layout(): Promise<Layout> {
    return (await this.readServerLayout()).layout;
  }

  get stats(): ClientStats {
    return {
      requests: this.transport.requests,
      failures: this.transport.failures,
      fetched: this.fetched,
      served: this.served,
      discarded: this.buffer.discarded,
      buffered: this.buffer.size,
      refillSize: this.refillSize,
      url: this.options.urls[this.transport.current] as string,
    };
  }

  close(reason?: unknown): void {
    if (this.closedError) return;
    this.closedError = new ClientClosedError(reason);
    this.controller.abort(this.closedError);
    this.buffer.clear();
    this.rejectWaiters(this.closedError);
  }

  private wait(count: number, signal: AbortSignal | undefined): Promise<string[]> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
        this.serve();
      };
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.serve();
      if (this.waiters.length > 0 && !this.refilling) void this.refill();
    });
  }

  /** Hands buffered IDs to waiting calls, first come first served, as far as they reach. */
  private serve(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0] as Waiter;
      if (this.buffer.available() < waiter.count) return;
      this.waiters.shift();
      waiter.detach();
      const ids: string[] = [];
      this.buffer.take(waiter.count, ids);
      this.served += waiter.count;
      waiter.resolve(ids);
    }
  }

  private prefetch(): void {
    if (Date.now() >= this.prefetchPausedUntilMs) void this.refill();
  }

  /** The one refill loop: fetches until waiting calls are served and the buffer is above the mark. */
  private async refill(): Promise<void> {
    this.refilling = true;
    try {
      for (;;) {
        const demand = this.waiters.reduce((sum, waiter) => sum + waiter.count, 0);
        const held = this.buffer.available();
        if (this.closedError || (held >= demand && held - demand >= this.refillSize)) return;
        this.resize(demand);
        const count = Math.min(this.maxBatch, Math.max(demand - held, this.refillSize, 1));
        await this.fetchIds(count);
        this.serve();
      }
    } catch (error) {
      this.prefetchPausedUntilMs = Date.now() + this.options.backoffMaxMs;
      this.rejectWaiters(this.closedError ?? error);
    } finally {
      this.refilling = false;
    }
  }

  private async fetchIds(count: number): Promise<void> {
    const path = `/generate?count=${count}&format=${this.wireFormat}`;
    const read = (response: Response) => readIds(response, count, this.wireFormat);
    try {
      const delivery = await this.transport.get(path, "text/plain", read, this.controller.signal);
      this.buffer.push(delivery.value, delivery.sentAtMs);
      this.fetched += count;
    } catch (error) {
      // A server with a smaller MAX_BATCH: learn its limit from /layout once, then go on.
      if (!isCountRejection(error)) throw error;
      const { maxBatch } = await this.readServerLayout();
      if (maxBatch >= this.maxBatch) throw error;
      this.maxBatch = maxBatch;
      this.refillSize = Math.min(this.refillSize, maxBatch);
    }
  }

  /** Sizes the next refill to last about `targetMs` at the rate IDs were taken since the last one. */
  private resize(demand: number): void {
    const prefetch = this.options.prefetch;
    if (prefetch === undefined) return;
    const now = Date.now();
    if (this.sizedAtMs !== undefined) {
      const elapsedMs = Math.max(1, now - this.sizedAtMs);
      const taken = this.served - this.servedWhenSized + demand;
      const wanted = Math.ceil((taken / elapsedMs) * prefetch.targetMs);
      // Grows at once to the rate; shrinks by at most half per refill, so a pause is not overread.
      const floor = Math.max(prefetch.minBatch, Math.ceil(this.refillSize / 2));
      this.refillSize = Math.min(this.maxBatch, Math.max(floor, wanted));
    }
    this.sizedAtMs = now;
    this.servedWhenSized = this.served;
  }

  private readServerLayout(): Promise<ServerLayout> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.serverLayout === undefined) {
      const pending = this.transport
        .get("/layout", "application/json", readLayout, this.controller.signal)
        .then((delivery) => delivery.value);
      // A failure is not kept: the next call asks again.
      pending.catch(() => {
        if (this.serverLayout === pending) this.serverLayout = undefined;
      });
      this.serverLayout = pending;
    }
    return this.serverLayout;
  }

  private rejectWaiters(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach();
      waiter.reject(error);
    }
  }
}
