import type { Clock } from "./clock.ts";
import {
  ClockBackwardError,
  ClockStalledError,
  EdgeflakeError,
  InvalidWorkerIdError,
  LayoutError,
  LeaseExpiredError,
} from "./errors.ts";
import type { Layout } from "./layout.ts";

/** Plain counters, read at scrape time; never touched by anything but the generator. */
export interface GeneratorStats {
  generated: number;
  clockBackward: number;
  clockBackwardErrors: number;
  sequenceOverflow: number;
  waitMicros: number;
  /** Wall-clock ms of the last unrecoverable clock error, or -1. */
  lastClockBackwardErrorAtMs: number;
}

/** Timestamps a holder may issue: `floorMs <= timestamp < limitMs` (DESIGN section 4). */
export interface Fence {
  floorMs: number;
  limitMs: number;
}

export interface GeneratorOptions {
  layout: Layout;
  clock: Clock;
  /** A static worker ID; leave it out when a leaser assigns one later. */
  workerId?: number;
  /** How far back the clock may step before the generator refuses instead of waiting (default 10). */
  maxClockBackwardMs?: number;
}

/** A bad `count` for a batch. */
export class InvalidCountError extends EdgeflakeError {
  constructor(count: number) {
    super("INVALID_COUNT", `count must be a positive integer (got ${count})`);
  }
}

// A frozen clock (Workers' Date.now() during synchronous code) would spin forever; give up instead.
const STALLED_SPINS = 10_000_000;
const STALLED_SLEEPS = 1_000;

/**
 * Issues strictly increasing IDs for one worker ID. The synchronous API spins for short waits
 * (Node); the async API sleeps instead, and is the one to use where time only advances across awaits.
 */
export class SnowflakeGenerator {
  readonly layout: Layout;
  readonly stats: GeneratorStats = {
    generated: 0,
    clockBackward: 0,
    clockBackwardErrors: 0,
    sequenceOverflow: 0,
    waitMicros: 0,
    lastClockBackwardErrorAtMs: -1,
  };
  readonly maxClockBackwardMs: number;

  private readonly clock: Clock;
  private readonly workerShift: bigint;
  private readonly tickShift: bigint;
  private currentWorkerId = -1;
  private workerPart = 0n;
  private lastTick = -1;
  /** Last sequence used in `lastTick`. */
  private sequence = -1;
  /** `(lastTick << tickShift) | workerPart`: rebuilt once per tick, so an ID costs one BigInt add. */
  private base = 0n;
  private floorTick = 0;
  private limitTick = Number.NEGATIVE_INFINITY;
  private waitUntilMs = 0;
  private overflowCountedTick = -1;
  private backwardCountedTick = -1;

  constructor(options: GeneratorOptions) {
    this.layout = options.layout;
    this.clock = options.clock;
    this.maxClockBackwardMs = options.maxClockBackwardMs ?? 10;
    if (!Number.isFinite(this.maxClockBackwardMs) || this.maxClockBackwardMs < 0) {
      throw new RangeError("maxClockBackwardMs must be a non-negative number");
    }
    this.workerShift = BigInt(this.layout.sequenceBits);
    this.tickShift = BigInt(this.layout.sequenceBits + this.layout.workerBits);
    if (options.workerId !== undefined) {
      this.assign(options.workerId, {
        floorMs: Number.NEGATIVE_INFINITY,
        limitMs: Number.POSITIVE_INFINITY,
      });
    }
  }

  /** The worker ID in use, or -1 while none is assigned. */
  get workerId(): number {
    return this.currentWorkerId;
  }

  /** The fence currently enforced, in ms. */
  get fence(): Fence {
    const { epochMs, unitMs } = this.layout;
    return {
      floorMs: epochMs + this.floorTick * unitMs,
      limitMs: epochMs + this.limitTick * unitMs,
    };
  }

  /** Timestamp (ms) of the last issued ID, or undefined before the first. */
  get lastIssuedMs(): number | undefined {
    return this.stats.generated === 0 ? undefined : this.tickStartMs(this.lastTick);
  }

  /**
   * Starts issuing as `workerId` inside `fence`. A new worker ID also starts after this
   * instance's last tick, so one generator's IDs stay strictly increasing across reassignments.
   */
  assign(workerId: number, fence: Fence): void {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > this.layout.maxWorkerId) {
      throw new InvalidWorkerIdError(workerId, this.layout.maxWorkerId);
    }
    const floorTick = this.ceilTick(fence.floorMs);
    if (workerId !== this.currentWorkerId) {
      this.currentWorkerId = workerId;
      this.workerPart = BigInt(workerId) << this.workerShift;
      this.floorTick = Math.max(floorTick, this.lastTick + 1, 0);
      this.sequence = this.layout.maxSequence; // the old base must never be used with the new worker
    } else {
      this.floorTick = Math.max(floorTick, this.floorTick, 0);
    }
    this.extend(fence.limitMs);
  }

  /** Moves the upper bound (a renewal extends it); IDs at or past it are refused. */
  extend(limitMs: number): void {
    if (this.currentWorkerId < 0) throw new LeaseExpiredError("no worker ID assigned");
    this.limitTick = Math.min(this.ceilTick(limitMs), this.layout.maxTick + 1);
  }

  /** Stops issuing at once (lease lost); `assign` starts again. */
  revoke(): void {
    this.limitTick = Number.NEGATIVE_INFINITY;
  }

  /** Whether an ID could be issued at `nowMs` without waiting past the fence. */
  canIssueAt(nowMs: number): boolean {
    return this.currentWorkerId >= 0 && this.tickAt(nowMs) < this.limitTick;
  }

  /** The next ID; spins for short waits (sequence overflow, small clock steps back). */
  next(): bigint {
    const tick = this.tickAt(this.clock.now());
    if (
      tick === this.lastTick &&
      this.sequence < this.layout.maxSequence &&
      tick < this.limitTick
    ) {
      this.stats.generated++;
      return this.base + BigInt(++this.sequence);
    }
    this.reserveSync(1);
    this.stats.generated++;
    return this.base + BigInt(++this.sequence);
  }

  /** `count` IDs, taking a tick's remaining sequence numbers in one step. */
  nextBatch(count: number): bigint[] {
    checkCount(count);
    const ids: bigint[] = [];
    while (ids.length < count) {
      this.take(this.reserveSync(count - ids.length), ids);
    }
    // Counted once the whole batch is handed out: IDs of a batch that failed half-way are never seen.
    this.stats.generated += count;
    return ids;
  }

  /**
   * `count` IDs if they can be issued right now without any wait, else undefined (nothing is
   * used up then). Lets a caller stay synchronous on the common path and await only when needed.
   */
  tryNextBatch(count: number): bigint[] | undefined {
    checkCount(count);
    if (this.reserve(this.clock.now(), count) < count) return undefined;
    const ids: bigint[] = [];
    this.take(count, ids);
    this.stats.generated += count;
    return ids;
  }

  /** The next ID; waits by sleeping, never by spinning. */
  async nextAsync(): Promise<bigint> {
    const [id] = await this.nextBatchAsync(1);
    return id as bigint;
  }

  /** `count` IDs; waits by sleeping, so it progresses where the clock only moves across awaits. */
  async nextBatchAsync(count: number): Promise<bigint[]> {
    checkCount(count);
    const ids: bigint[] = [];
    while (ids.length < count) {
      let reserved = this.reserve(this.clock.now(), count - ids.length);
      if (reserved === 0) reserved = await this.waitAndReserveAsync(count - ids.length);
      this.take(reserved, ids);
    }
    this.stats.generated += count;
    return ids;
  }

  private take(reserved: number, ids: bigint[]): void {
    let id = this.base + BigInt(this.sequence + 1);
    for (let i = 0; i < reserved; i++) {
      ids.push(id);
      id += 1n;
    }
    this.sequence += reserved;
  }

  private reserveSync(wanted: number): number {
    let now = this.clock.now();
    let reserved = this.reserve(now, wanted);
    if (reserved > 0) return reserved;
    const started = this.clock.monotonic();
    try {
      let spins = 0;
      for (;;) {
        const seen = now;
        while (now < this.waitUntilMs) {
          now = this.clock.now();
          if (now !== seen) spins = 0;
          else if (++spins > STALLED_SPINS) throw new ClockStalledError();
        }
        reserved = this.reserve(now, wanted);
        if (reserved > 0) return reserved;
      }
    } finally {
      this.addWait(started);
    }
  }

  private async waitAndReserveAsync(wanted: number): Promise<number> {
    const started = this.clock.monotonic();
    try {
      let stalled = 0;
      for (;;) {
        const before = this.clock.now();
        await this.clock.sleep(Math.max(1, this.waitUntilMs - before));
        const now = this.clock.now();
        if (now === before && ++stalled > STALLED_SLEEPS) throw new ClockStalledError();
        const reserved = this.reserve(now, wanted);
        if (reserved > 0) return reserved;
      }
    } finally {
      this.addWait(started);
    }
  }

  private addWait(startedMs: number): void {
    this.stats.waitMicros += Math.max(0, Math.round((this.clock.monotonic() - startedMs) * 1000));
  }

  /**
   * The one place that decides: returns how many sequence numbers after `this.sequence` may be
   * used now (> 0), or 0 with `waitUntilMs` set, or throws. Each event is counted once.
   */
  private reserve(nowMs: number, wanted: number): number {
    const tick = this.tickAt(nowMs);
    if (tick >= this.limitTick) throw new LeaseExpiredError();
    const minTick = Math.max(this.lastTick, this.floorTick);
    if (tick < minTick) {
      const behindMs = this.tickStartMs(minTick) - nowMs;
      if (behindMs > this.maxClockBackwardMs) {
        this.stats.clockBackwardErrors++;
        this.stats.lastClockBackwardErrorAtMs = nowMs;
        throw new ClockBackwardError(Math.ceil(behindMs), this.maxClockBackwardMs);
      }
      if (this.backwardCountedTick !== minTick) {
        this.backwardCountedTick = minTick;
        this.stats.clockBackward++;
      }
      this.waitUntilMs = this.tickStartMs(minTick);
      return 0;
    }
    if (tick === this.lastTick) {
      if (this.sequence >= this.layout.maxSequence) {
        if (tick + 1 >= this.limitTick) throw new LeaseExpiredError();
        if (this.overflowCountedTick !== tick) {
          this.overflowCountedTick = tick;
          this.stats.sequenceOverflow++;
        }
        this.waitUntilMs = this.tickStartMs(tick + 1);
        return 0;
      }
    } else {
      if (tick > this.layout.maxTick) throw new LayoutError("layout ran out of timestamps");
      this.lastTick = tick;
      this.sequence = -1;
      this.base = (BigInt(tick) << this.tickShift) | this.workerPart;
    }
    return Math.min(wanted, this.layout.maxSequence - this.sequence);
  }

  private tickAt(ms: number): number {
    return Math.floor((ms - this.layout.epochMs) / this.layout.unitMs);
  }

  private ceilTick(ms: number): number {
    return Math.ceil((ms - this.layout.epochMs) / this.layout.unitMs);
  }

  private tickStartMs(tick: number): number {
    return this.layout.epochMs + tick * this.layout.unitMs;
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidCountError(count);
}
