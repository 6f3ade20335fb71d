import type { WorkerIdRange } from "./worker-range.ts";

/** Who holds a lease, for operators reading the table. */
export interface HolderInfo {
  host: string;
  runtime: string;
}

/** A lease as its holder knows it: the conditions of the next write are `owner` and `version`. */
export interface Lease {
  workerId: number;
  owner: string;
  /** Lease end, ms since 1970: the holder issues no ID whose timestamp is at or past it. */
  expiresAt: number;
  /** Incremented by every write to the item. */
  version: number;
}

/** A lease item as stored, with the operator information. */
export interface LeaseRecord extends Lease {
  host?: string;
  runtime?: string;
  acquiredAt?: number;
  renewedAt?: number;
}

/** The layout and epoch a namespace is bound to (recorded on first use). */
export interface NamespaceBinding {
  layout: string;
  epochMs: number;
}

export interface AcquireRequest {
  workerId: number;
  owner: string;
  /** The acquirer's clock: the item is free when it does not exist or `expiresAt <= nowMs`. */
  nowMs: number;
  expiresAt: number;
  info: HolderInfo;
}

export interface Acquired {
  lease: Lease;
  /** `expiresAt` of the previous holder (undefined for a never-used worker ID): the new holder's floor. */
  previousExpiresAt: number | undefined;
}

/**
 * Where leases live: one item per worker ID of one namespace. Every write is conditional, so
 * implementations must apply each one atomically. Failures to reach the store throw
 * `LeaseStoreUnavailableError`; a changed lease throws `LeaseLostError`.
 */
export interface LeaseStore {
  readonly namespace: string;
  /** Records the binding on first use; throws `NamespaceMismatchError` if it differs from the recorded one. */
  bind(binding: NamespaceBinding, nowMs: number): Promise<void>;
  /** One conditional write; undefined when the worker ID is held by a live lease. */
  tryAcquire(request: AcquireRequest): Promise<Acquired | undefined>;
  /** Sets `expiresAt` if owner and version are unchanged; returns the new lease. */
  renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease>;
  /** Ends the lease early: sets `expiresAt` (just past the last issued timestamp) if still ours. */
  release(lease: Lease, expiresAt: number, nowMs: number): Promise<void>;
  /** One worker ID's item, read consistently. */
  get(workerId: number): Promise<LeaseRecord | undefined>;
  /**
   * The namespace's lease items, ordered by worker ID: all of them, or only those in `range` (the
   * acquirer lists its `LEASE_WORKER_IDS`; DynamoDB: one query per span, so a sparse or narrow
   * range costs no more than its own items).
   */
  list(range?: WorkerIdRange): Promise<LeaseRecord[]>;
  /**
   * The namespace's recorded binding, or undefined before the first `bind`: a cheap read with no
   * write and no side effect, for health checks of instances that hold no lease (lazy targets).
   * It never creates the binding and never throws `NamespaceMismatchError`; like every method, a
   * store it cannot reach throws `LeaseStoreUnavailableError`. Need not be strongly consistent.
   */
  readBinding(): Promise<NamespaceBinding | undefined>;
}

/** `layout@epoch`, how bindings appear in messages. */
export function describeBinding(binding: NamespaceBinding): string {
  return `layout ${binding.layout} with epoch ${new Date(binding.epochMs).toISOString()}`;
}
