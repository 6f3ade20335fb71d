// The leaser's pure decisions: which worker IDs to try, how long to wait, which errors to wait out.
import { EdgeflakeError } from "../core/errors.ts";
import {
  LeaseLostError,
  LeaseStoreUnavailableError,
  NamespaceMismatchError,
  NoFreeWorkerIdError,
} from "./errors.ts";
import type { LeaseRecord } from "./store.ts";
import { shortPeriodMs } from "./tenure.ts";
import { contains, type WorkerIdRange } from "./worker-range.ts";

/** Worker IDs of `range` without a live lease at `nowMs`, in random order. */
export function freeWorkerIds(
  records: readonly LeaseRecord[],
  range: WorkerIdRange,
  nowMs: number,
  random: () => number,
): number[] {
  const held = new Set<number>();
  for (const record of records) {
    if (record.expiresAt > nowMs && contains(range, record.workerId)) held.add(record.workerId);
  }
  const free: number[] = [];
  for (const [lo, hi] of range.spans) {
    for (let workerId = lo; workerId <= hi; workerId++) {
      if (!held.has(workerId)) free.push(workerId);
    }
  }
  // Fisher-Yates: concurrent acquirers spread over the free IDs instead of racing for the first.
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [free[i], free[j]] = [free[j] as number, free[i] as number];
  }
  return free;
}

/**
 * Jittered exponential backoff for store errors, from ttl/60 up to ttl/6 after `failures` failures
 * in a row; a full namespace is polled every `shortPeriodMs` (ttl/10, at most 1 s), so a released
 * worker ID is taken soon after.
 */
export function retryDelayMs(
  error: unknown,
  ttlMs: number,
  failures: number,
  random: () => number,
): number {
  const jitter = 0.5 + random() / 2;
  if (error instanceof NoFreeWorkerIdError) return shortPeriodMs(ttlMs) * jitter;
  const baseMs = Math.min(1_000, Math.max(10, ttlMs / 60));
  const exponent = Math.min(failures - 1, 10);
  return Math.min(ttlMs / 6, baseMs * 2 ** Math.max(exponent, 0)) * jitter;
}

/** Errors that waiting can cure: the store was unreachable or throttled, or every ID was held. */
export function isTransient(error: unknown): boolean {
  if (error instanceof LeaseStoreUnavailableError) return error.retryable;
  if (error instanceof NamespaceMismatchError) return false;
  return error instanceof NoFreeWorkerIdError || error instanceof LeaseLostError;
}

/** An error's message, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof EdgeflakeError || error instanceof Error) return error.message;
  return String(error);
}
