import { EdgeflakeError } from "../core/errors.ts";

/** Every worker ID of the namespace is held by a live lease (HTTP 503; never retried in a loop). */
export class NoFreeWorkerIdError extends EdgeflakeError {
  readonly held: number;
  readonly total: number;
  /** The worker IDs this instance leases from (`LEASE_WORKER_IDS`, or the layout's whole range). */
  readonly range: string | undefined;
  constructor(namespace: string, held: number, total: number, message?: string, range?: string) {
    const ids = range ? ` (worker IDs ${range})` : "";
    super(
      "NO_FREE_WORKER_ID",
      message ??
        `no free worker ID in namespace "${namespace}"${ids}: ${held} of ${total} are held by live leases`,
    );
    this.held = held;
    this.total = total;
    this.range = range;
  }
}

/** The lease store could not be reached or refused the request (throttling, network, missing table). */
export class LeaseStoreUnavailableError extends EdgeflakeError {
  /** Whether trying again later can help (throttling, network); false for a missing table or bad credentials. */
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, cause?: unknown) {
    super("LEASE_STORE_UNAVAILABLE", message, cause === undefined ? undefined : { cause });
    this.retryable = retryable;
  }
}

/** The namespace is bound to another layout or epoch; leasing from it would break uniqueness. */
export class NamespaceMismatchError extends EdgeflakeError {
  constructor(namespace: string, bound: string, configured: string) {
    super(
      "NAMESPACE_MISMATCH",
      `namespace "${namespace}" is bound to ${bound}, but this instance is configured with ${configured}: use the same LAYOUT and EPOCH, or another LEASE_NAMESPACE`,
    );
  }
}

/** A renewal or release found the lease changed: another instance took the worker ID over. */
export class LeaseLostError extends EdgeflakeError {
  readonly workerId: number;
  constructor(workerId: number) {
    super("LEASE_LOST", `the lease on worker ID ${workerId} was taken over by another instance`);
    this.workerId = workerId;
  }
}

/**
 * The lease table's replication cannot keep conditional writes safe for this configuration (an
 * MREC global table without `LEASE_WORKER_IDS`), or its mode cannot be read. Not retried.
 */
export class UnsafeLeaseTableError extends EdgeflakeError {
  constructor(message: string) {
    super("UNSAFE_LEASE_TABLE", message);
  }
}
