/**
 * Base class of every error edgeflake throws on purpose; `code` is stable for callers to switch on.
 * @example
 * try { gen.next(); } catch (error) {
 *   if (error instanceof EdgeflakeError && error.code === "LEASE_EXPIRED") retryLater();
 * }
 */
export class EdgeflakeError extends Error {
  readonly code: string;
  /** `options.cause` keeps the underlying error (ES2022), as every subclass passes it through. */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A layout or epoch that cannot produce correct IDs.
 * @example
 * createLayout("bogus", DEFAULT_EPOCH_MS, Date.now()); // throws LayoutError (code INVALID_LAYOUT)
 */
export class LayoutError extends EdgeflakeError {
  constructor(message: string) {
    super("INVALID_LAYOUT", message);
  }
}

/**
 * The clock is further behind the last issued (or fenced) tick than the tolerance allows;
 * `behindMs` says how far. Retry once the clock has caught up.
 * @example
 * catch (error) { if (error instanceof ClockBackwardError) console.warn(error.behindMs); }
 */
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

/**
 * The generator holds no lease that covers the current time: it fails closed instead of guessing.
 * @example
 * gen.revoke();
 * gen.next(); // throws LeaseExpiredError (code LEASE_EXPIRED)
 */
export class LeaseExpiredError extends EdgeflakeError {
  constructor(message = "no valid worker-ID lease covers the current time") {
    super("LEASE_EXPIRED", message);
  }
}

/**
 * The clock did not advance while the synchronous API waited (for example on Workers, where
 * `Date.now()` stands still during synchronous code): use the async API there.
 * @example
 * const id = await gen.nextAsync(); // instead of gen.next() on Workers
 */
export class ClockStalledError extends EdgeflakeError {
  constructor() {
    super(
      "CLOCK_STALLED",
      "clock did not advance during a synchronous wait; use the async API here",
    );
  }
}

/**
 * An ID string or value that is not a valid ID of this layout.
 * @example
 * parseId("12x", "decimal"); // throws InvalidIdError (code INVALID_ID)
 */
export class InvalidIdError extends EdgeflakeError {
  constructor(message: string) {
    super("INVALID_ID", message);
  }
}

/**
 * A worker ID outside the layout's range.
 * @example
 * new SnowflakeGenerator({ layout, clock, workerId: 5000 }); // classic allows 0-1023: throws
 */
export class InvalidWorkerIdError extends EdgeflakeError {
  constructor(workerId: number, maxWorkerId: number) {
    super("INVALID_WORKER_ID", `worker ID ${workerId} is outside 0..${maxWorkerId}`);
  }
}

/**
 * A bad `count` for a batch: not a positive safe integer.
 * @example
 * gen.nextBatch(0); // throws InvalidCountError (code INVALID_COUNT)
 */
export class InvalidCountError extends EdgeflakeError {
  constructor(count: number) {
    super("INVALID_COUNT", `count must be a positive integer (got ${count})`);
  }
}
