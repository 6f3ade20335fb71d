import { EdgeflakeError } from "../core/errors.ts";

/** Every worker ID of the namespace is held by a live lease (HTTP 503; never retried in a loop). */
export class NoFreeWorkerIdError extends EdgeflakeError {
  readonly held: number;
  readonly total: number;
  constructor(namespace: string, held: number, total: number, message?: string) {
    super(
      "NO_FREE_WORKER_ID",
      message ??
        `no free worker ID in namespace "${namespace}": ${held} of ${total} are held by live leases`,
    );
    this.held = held;
    this.total = total;
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
