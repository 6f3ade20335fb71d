// Reused response bodies for batch /generate on Node (the Node target only: it knows when a
// socket is done with a buffer). A new ArrayBuffer of ~230 KB per count=10000 answer is external
// memory to V8, which then ran a full mark-compact every ~100 answers, each pausing the event loop
// 5-10 ms (docs/BENCHMARKS.md#event-loop-delay).
//
// When a buffer may be reused: node:http emits `close` on a ServerResponse after its last write
// has completed (`finish`), or after the connection was destroyed; either way libuv no longer
// points into the buffer. Never earlier: a write the kernel did not take at once keeps pointing
// into it until the socket drains (test/targets/body-pool.test.ts shows a pool that gives buffers
// back at `end` handing one reader another response's IDs).

/** The part of a ServerResponse the pool needs. */
export interface ClosingResponse {
  once(event: "close", listener: () => void): unknown;
}

/** Smaller bodies are left to the allocator: only large buffers cost full collections. */
export const MIN_POOLED_BYTES = 16 * 1024;
const DEFAULT_MAX_FREE_BYTES = 32 * 1024 * 1024;

export class BodyPool {
  /** Free buffers by size (powers of two). */
  private readonly free = new Map<number, Uint8Array[]>();
  private freeBytes = 0;
  private readonly maxFreeBytes: number;

  constructor(maxFreeBytes = DEFAULT_MAX_FREE_BYTES) {
    this.maxFreeBytes = maxFreeBytes;
  }

  /** Bytes held in free buffers (lent ones are not counted). */
  get idleBytes(): number {
    return this.freeBytes;
  }

  /** A buffer of at least `bytes` for the body of `response`; back in the pool once it closed. */
  lend(bytes: number, response: ClosingResponse): Uint8Array {
    if (bytes < MIN_POOLED_BYTES) return new Uint8Array(bytes);
    const size = 2 ** Math.ceil(Math.log2(bytes));
    const reused = this.free.get(size)?.pop();
    if (reused) this.freeBytes -= size;
    const buffer = reused ?? new Uint8Array(size);
    response.once("close", () => this.giveBack(buffer));
    return buffer;
  }

  private giveBack(buffer: Uint8Array): void {
    if (this.freeBytes + buffer.length > this.maxFreeBytes) return; // left to the collector
    const list = this.free.get(buffer.length) ?? [];
    list.push(buffer);
    this.free.set(buffer.length, list);
    this.freeBytes += buffer.length;
  }
}

/**
 * `AppDeps.bodyBuffer` for @hono/node-server, whose `env` carries the request's ServerResponse
 * (`outgoing`); without one (the in-process `fetch`) a body gets a new buffer.
 */
export function pooledBodyBuffer(pool: BodyPool): (bytes: number, env: unknown) => Uint8Array {
  return (bytes, env) => {
    const outgoing = (env as { outgoing?: ClosingResponse } | undefined)?.outgoing;
    return outgoing ? pool.lend(bytes, outgoing) : new Uint8Array(bytes);
  };
}
