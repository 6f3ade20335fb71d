/** Base class of every error edgeflake throws on purpose; `code` is stable for callers to switch on. */
export class EdgeflakeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A layout or epoch that cannot produce correct IDs. */
export class LayoutError extends EdgeflakeError {
  constructor(message: string) {
    super("INVALID_LAYOUT", message);
  }
}

/** The clock is further behind the last issued (or fenced) tick than the tolerance allows. */
export class ClockBackwardError extends EdgeflakeError {
  readonly behindMs: number;
  constructor(behindMs: number, toleranceMs: number) {
    super(
      "CLOCK_BACKWARD",
      `clock is ${behindMs} ms behind the last issued timestamp (tolerance ${toleranceMs} ms)`,
    );
    this.behindMs = behindMs;
  }
}

/** The generator holds no lease that covers the current time: it fails closed instead of guessing. */
export class LeaseExpiredError extends EdgeflakeError {
  constructor(message = "no valid worker-ID lease covers the current time") {
    super("LEASE_EXPIRED", message);
  }
}

/** The clock did not advance while the synchronous API waited (for example on Workers, use the async API). */
export class ClockStalledError extends EdgeflakeError {
  constructor() {
    super(
      "CLOCK_STALLED",
      "clock did not advance during a synchronous wait; use the async API here",
    );
  }
}

/** An ID string or value that is not a valid ID of this layout. */
export class InvalidIdError extends EdgeflakeError {
  constructor(message: string) {
    super("INVALID_ID", message);
  }
}

/** A worker ID outside the layout's range. */
export class InvalidWorkerIdError extends EdgeflakeError {
  constructor(workerId: number, maxWorkerId: number) {
    super("INVALID_WORKER_ID", `worker ID ${workerId} is outside 0..${maxWorkerId}`);
  }
}

/** A bad `count` for a batch: not a positive safe integer. */
export class InvalidCountError extends EdgeflakeError {
  constructor(count: number) {
    super("INVALID_COUNT", `count must be a positive integer (got ${count})`);
  }
}
