// The shapes and helpers of the store conformance suite (test/lease/store-conformance.ts).
import type { AcquireRequest, Lease, LeaseStore } from "../../../src/lease/store.ts";

export const NOW = Date.UTC(2026, 0, 1);
export const INFO = { host: "test-host", runtime: "test" };
export const CLASSIC = { layout: "classic", epochMs: Date.UTC(2025, 0, 1) };

/** Faults on the transport of a subject's store `a`. */
export interface Faults {
  /** The next call takes effect but its answer is lost (the caller sees a network error). */
  loseNextAnswer(): void;
  /** HTTP-level faults, for stores behind the DynamoDB API. */
  http?: {
    throttleNext(count: number): void;
    /** Answers the next requests with these HTTP statuses. */
    failNext(...statuses: number[]): void;
  };
}

/** A fresh, empty table and stores on it. */
export interface Subject {
  /** Two instances in one namespace... */
  a: LeaseStore;
  b: LeaseStore;
  /** ...and one in another namespace of the same table. */
  other: LeaseStore;
  /** `count` more instances in a's namespace (concurrency). */
  many(count: number): LeaseStore[];
  faults: Faults;
  close(): void;
}

export interface ConformanceCase {
  name: string;
  /** Cases that inject HTTP faults run only on subjects that have them. */
  needsHttp?: boolean;
  run(subject: Subject): Promise<void>;
}

export function acquireRequest(workerId: number, owner: string, nowMs = NOW, ttl = 1_000) {
  return { workerId, owner, nowMs, expiresAt: nowMs + ttl, info: INFO } satisfies AcquireRequest;
}

/** Acquires or fails the case (a precondition, not the property under test). */
export async function hold(store: LeaseStore, request: AcquireRequest): Promise<Lease> {
  const acquired = await store.tryAcquire(request);
  if (!acquired)
    throw new Error(`precondition: ${request.owner} did not acquire ${request.workerId}`);
  return acquired.lease;
}
