import type { Clock } from "./clock.ts";
import {
  ClockBackwardError,
  ClockStalledError,
  InvalidCountError,
  LayoutError,
  LeaseExpiredError,
} from "./errors.ts";
import { UNFENCED, WorkerFence } from "./generator-fence.ts";
import { type GeneratorOptions, type GeneratorStats, zeroStats } from "./generator-types.ts";
import { type IdRun, idsOfRuns } from "./id-runs.ts";
import { turnsUntil } from "./turns.ts";

export type { Fence, GeneratorOptions, GeneratorStats } from "./generator-types.ts";

// A frozen clock (Workers' Date.now() during synchronous code) would spin forever; give up instead.
const STALLED_SPINS = 10_000_000;
const STALLED_SLEEPS = 1_000;

/**
 * Issues strictly increasing IDs for one worker ID. The synchronous API spins for short waits
 * (Node); the async API sleeps instead (or takes event-loop turns for sub-ms waits where the clock
 * has `yieldTurn`), and is the one to use where time only advances across awaits.
 * @example
 * const gen = new SnowflakeGenerator({ layout: createLayout("classic", DEFAULT_EPOCH_MS, Date.now()), clock, workerId: 7 });
 */
export class SnowflakeGenerator extends WorkerFence {
  readonly stats: GeneratorStats = zeroStats();
  readonly maxClockBackwardMs: number;

  private readonly clock: Clock;
  /** `(lastTick << tickShift) | workerPart`: rebuilt once per tick, so an ID costs one BigInt add. */
  private base = 0n;
  private waitUntilMs = 0;
  /** The event-loop turns waiters share (`sharedTurnsUntil`), while some are being taken. */
  private turns: Promise<void> | undefined;
  private overflowCountedTick = -1;
  private backwardCountedTick = -1;

  constructor(options: GeneratorOptions) {
    super(options.layout);
    this.clock = options.clock;
    this.maxClockBackwardMs = options.maxClockBackwardMs ?? 10;
    if (!Number.isFinite(this.maxClockBackwardMs) || this.maxClockBackwardMs < 0) {
      throw new RangeError("maxClockBackwardMs must be a non-negative number");
    }
    if (options.workerId !== undefined) this.assign(options.workerId, UNFENCED);
  }

  /**
   * Timestamp (ms) of the last issued ID, or undefined before the first.
   * @example const releaseAtMs = (gen.lastIssuedMs ?? Date.now()) + 1;
   */
  get lastIssuedMs(): number | undefined {
    return this.stats.generated === 0 ? undefined : this.tickStartMs(this.lastTick);
  }

  /**
   * The next ID; spins for short waits (sequence overflow, small clock steps back).
   * @example const id = gen.next(); // 251389407452463104n
   */
  next(): bigint {
    if (this.claim(this.clock.now(), 1, false) === 0) this.claimSync(1);
    this.stats.generated++;
    return this.base + BigInt(this.sequence);
  }

  /**
   * `count` IDs, taking a tick's remaining sequence numbers in one step; spins like `next`.
   * @example const ids = gen.nextBatch(1000);
   */
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
   * @example const ids = gen.tryNextBatch(100) ?? (await gen.nextBatchAsync(100));
   */
  tryNextBatch(count: number): bigint[] | undefined {
    const runs = this.tryNextRuns(count);
    return runs && idsOfRuns(runs);
  }

  /**
   * `tryNextBatch` as runs of consecutive IDs (one here: all of them from the current tick).
   * @example const runs = gen.tryNextRuns(100) ?? (await gen.nextRunsAsync(100));
   */
  tryNextRuns(count: number): IdRun[] | undefined {
    checkCount(count);
    if (this.claim(this.clock.now(), count, true) === 0) return undefined;
    this.stats.generated += count;
    return [this.runOf(count)];
  }

  /**
   * The next ID; waits by sleeping (or event-loop turns, see the class), never by spinning.
   * @example const id = await gen.nextAsync();
   */
  async nextAsync(): Promise<bigint> {
    const [run] = await this.nextRunsAsync(1);
    return (run as IdRun).first;
  }

  /**
   * `count` IDs; waits by sleeping, so it progresses where the clock only moves across awaits.
   * @example const ids = await gen.nextBatchAsync(10_000);
   */
  async nextBatchAsync(count: number): Promise<bigint[]> {
    return idsOfRuns(await this.nextRunsAsync(count));
  }

  /**
   * `nextBatchAsync` as runs of consecutive IDs, one per claim, each inside one tick (for writing
   * text without a BigInt per ID: `writeConsecutive`).
   * @example for (const run of await gen.nextRunsAsync(10_000)) total += run.count;
   */
  async nextRunsAsync(count: number): Promise<IdRun[]> {
    checkCount(count);
    const runs: IdRun[] = [];
    for (let left = count; left > 0; ) {
      const claimed = this.claim(this.clock.now(), left, false);
      if (claimed > 0) runs.push(this.runOf(claimed));
      left -= claimed > 0 ? claimed : await this.waitAndClaimAsync(left, runs);
    }
    // Counted once the whole batch is handed out: IDs of a batch that failed half-way are never seen.
    this.stats.generated += count;
    return runs;
  }

  /**
   * The one atomic step every API goes through: decides how many sequence numbers may be used now
   * and uses them up in the same step, so no other caller can be handed them. Returns that count
   * (read the IDs with `pushClaimed` or `runOf` before anything else can claim), or 0 when a wait is needed
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

  /** The run of the `claimed` IDs the latest `claim` used up. */
  private runOf(claimed: number): IdRun {
    const firstSeq = this.sequence - claimed + 1;
    const { lastTick: tick, currentWorkerId: workerId } = this;
    return { tick, workerId, firstSeq, count: claimed, first: this.base + BigInt(firstSeq) };
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

  /**
   * Sleeps until `claim` succeeds, then puts the claimed run into `runs` in the same step and
   * returns its size. Waits of at most 1 ms take event-loop turns instead where the clock can
   * (a timer cannot wait less than 1 ms), each round of them bounded (`core/turns.ts`).
   */
  private async waitAndClaimAsync(wanted: number, runs: IdRun[]): Promise<number> {
    const started = this.clock.monotonic();
    try {
      let stalled = 0;
      let stuck = false;
      for (;;) {
        const before = this.clock.now();
        // Turns while the clock moves; a round of turns in which it did not is followed by a sleep.
        const short: boolean =
          this.clock.yieldTurn !== undefined && this.waitUntilMs - before <= 1 && !stuck;
        const untilMs = this.waitUntilMs;
        await (short
          ? this.sharedTurnsUntil(untilMs)
          : this.clock.sleep(Math.max(1, untilMs - before)));
        const now = this.clock.now();
        stuck = short && now === before;
        if (now === before && !short && ++stalled > STALLED_SLEEPS) throw new ClockStalledError();
        const claimed = this.claim(now, wanted, false);
        if (claimed > 0) {
          runs.push(this.runOf(claimed));
          return claimed;
        }
      }
    } finally {
      this.addWait(started);
    }
  }

  /**
   * Event-loop turns until `untilMs` (one bounded round, `core/turns.ts`): one loop shared by every
   * waiter, which then resume in the order they began to wait (one clock read per turn, not one
   * per waiter).
   */
  private sharedTurnsUntil(untilMs: number): Promise<void> {
    this.turns ??= turnsUntil(this.clock, untilMs).finally(() => {
      this.turns = undefined;
    });
    return this.turns;
  }

  private addWait(startedMs: number): void {
    this.stats.waitMicros += Math.max(0, Math.round((this.clock.monotonic() - startedMs) * 1000));
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidCountError(count);
}
