import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import type { WorkerHandler } from "../../src/targets/worker.ts";

/** The fetch-like function the HTTP contract suite is written against. */
export type FetchLike = (path: string, init?: RequestInit) => Promise<Response>;

/** Calls a Worker handler the way the runtime does, then waits for its `ctx.waitUntil` work. */
export function workerFetch(handler: WorkerHandler, env: Record<string, unknown>): FetchLike {
  return async (path, init) => {
    const ctx = createExecutionContext();
    const response = await handler.fetch(
      new Request(new URL(path, "http://edgeflake.test"), init),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  };
}
