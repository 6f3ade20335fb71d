import type { Clock } from "./clock.ts";
import {
  ClockBackwardError,
  ClockStalledError,
  InvalidCountError,
  InvalidWorkerIdError,
  LayoutError,
  LeaseExpiredError,
} from "./errors.ts";
import {
  type Fence,
  type GeneratorOptions,
  type GeneratorStats,
  zeroStats,
} from "./generator-types.ts";
import type { Layout } from "./layout.ts";

export type { Fence, GeneratorOptions, GeneratorStats } from "./generator-types.ts";

// A frozen clock (Workers' Date.now() during synchronous code) would spin forever; give up instead.
const STALLED_SPINS = 10_000_000;
const STALLED_SLEEPS = 1_000;
/** A static worker ID's fence: all of time. */
const UNFENCED: Fence = { floorMs: Number.NEGATIVE_INFINITY, limitMs: Number.POSITIVE_INFINITY };

/**
 * Issues strictly increasing IDs for one worker ID. The synchronous API spins for short waits
 * (Node); the async API sleeps instead, and is the one to use where time only advances across awaits.
 */
export class SnowflakeGenerator {
  readonly layout: Layout;
  readonly stats: GeneratorStats = zeroStats();
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
    if (options.workerId !== undefined) this.assign(options.workerId, UNFENCED);
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
    if (this.claim(this.clock.now(), 1, false) === 0) this.claimSync(1);
    this.stats.generated++;
    return this.base + BigInt(this.sequence);
  }

  /** `count` IDs, taking a tick's remaining sequence numbers in one step. */
  nextBatch(count: number): bigint[] {
    checkCount(count);
    const ids: bigint[] = [];
    while (ids.length < count) {
      const wanted = count - ids.length;
      const claimed = this.claim(this.clock.now(), wanted, false) || this.claimSync(wanted);
      this.pushClaimed(ids, claimed);
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
    if (this.claim(this.clock.now(), count, true) === 0) return undefined;
    const ids: bigint[] = [];
    this.pushClaimed(ids, count);
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
      const wanted = count - ids.length;
      const claimed = this.claim(this.clock.now(), wanted, false);
      if (claimed > 0) this.pushClaimed(ids, claimed);
      else await this.waitAndClaimAsync(wanted, ids);
    }
    this.stats.generated += count;
    return ids;
  }

  /**
   * The one atomic step every API goes through: decides how many sequence numbers may be used now
   * and uses them up in the same step, so no other caller can be handed them. Returns that count
   * (read the IDs with `pushClaimed` before anything else can claim), or 0 when a wait is needed
   * (`waitUntilMs` set) or, with `exact`, fewer than `wanted` are free; throws where the fence or
   * the clock forbid issuing. The fast path checks floor and limit too.
   */
  private claim(nowMs: number, wanted: number, exact: boolean): number {
    const tick = this.tickAt(nowMs);
    const left = this.layout.maxSequence - this.sequence;
    if (
      tick === this.lastTick &&
      tick >= this.floorTick &&
      tick < this.limitTick &&
      left >= (exact ? wanted : 1)
    ) {
      const claimed = Math.min(wanted, left);
      this.sequence += claimed;
      return claimed;
    }
    return this.claimSlow(nowMs, tick, wanted, exact);
  }

  /** `claim` off the fast path: a new tick, an exhausted one, a clock behind, or a fence hit. */
  private claimSlow(nowMs: number, tick: number, wanted: number, exact: boolean): number {
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
      if (this.sequence < this.layout.maxSequence) return 0; // only `exact` gets here: too few left
      if (tick + 1 >= this.limitTick) throw new LeaseExpiredError();
      if (this.overflowCountedTick !== tick) {
        this.overflowCountedTick = tick;
        this.stats.sequenceOverflow++;
      }
      this.waitUntilMs = this.tickStartMs(tick + 1);
      return 0;
    }
    if (tick > this.layout.maxTick) throw new LayoutError("layout ran out of timestamps");
    // A refused exact claim leaves the state untouched (it must not move lastTick forward).
    if (exact && wanted > this.layout.maxSequence + 1) return 0;
    this.lastTick = tick;
    this.base = (BigInt(tick) << this.tickShift) | this.workerPart;
    const claimed = Math.min(wanted, this.layout.maxSequence + 1);
    this.sequence = claimed - 1;
    return claimed;
  }

  /** Appends the `claimed` IDs the latest `claim` used up (the tick's last sequence numbers). */
  private pushClaimed(ids: bigint[], claimed: number): void {
    let id = this.base + BigInt(this.sequence - claimed + 1);
    for (let i = 0; i < claimed; i++) {
      ids.push(id);
      id += 1n;
    }
  }

  /** Spins until `claim` succeeds; a frozen clock ends in ClockStalledError. */
  private claimSync(wanted: number): number {
    const started = this.clock.monotonic();
    try {
      let now = this.clock.now();
      let spins = 0;
      for (;;) {
        const seen = now;
        while (now < this.waitUntilMs) {
          now = this.clock.now();
          if (now !== seen) spins = 0;
          else if (++spins > STALLED_SPINS) throw new ClockStalledError();
        }
        const claimed = this.claim(now, wanted, false);
        if (claimed > 0) return claimed;
      }
    } finally {
      this.addWait(started);
    }
  }

  /** Sleeps until `claim` succeeds, then puts the claimed IDs into `ids` in the same step. */
  private async waitAndClaimAsync(wanted: number, ids: bigint[]): Promise<void> {
    const started = this.clock.monotonic();
    try {
      let stalled = 0;
      for (;;) {
        const before = this.clock.now();
        await this.clock.sleep(Math.max(1, this.waitUntilMs - before));
        const now = this.clock.now();
        if (now === before && ++stalled > STALLED_SLEEPS) throw new ClockStalledError();
        const claimed = this.claim(now, wanted, false);
        if (claimed > 0) return this.pushClaimed(ids, claimed);
      }
    } finally {
      this.addWait(started);
    }
  }

  private addWait(startedMs: number): void {
    this.stats.waitMicros += Math.max(0, Math.round((this.clock.monotonic() - startedMs) * 1000));
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
