import { InvalidWorkerIdError, LeaseExpiredError } from "./errors.ts";
import type { Fence } from "./generator-types.ts";
import type { Layout } from "./layout.ts";

/** A static worker ID's fence: all of time. */
export const UNFENCED: Fence = {
  floorMs: Number.NEGATIVE_INFINITY,
  limitMs: Number.POSITIVE_INFINITY,
};

/**
 * The worker ID and fence half of `SnowflakeGenerator` (docs/ARCHITECTURE.md#fencing): which worker
 * ID it issues as and which ticks it may use. Issuing itself, the one atomic `claim`, is in
 * generator.ts, and only it reads this state while issuing.
 */
export abstract class WorkerFence {
  readonly layout: Layout;

  protected readonly workerShift: bigint;
  protected readonly tickShift: bigint;
  protected currentWorkerId = -1;
  protected workerPart = 0n;
  protected lastTick = -1;
  /** Last sequence used in `lastTick`. */
  protected sequence = -1;
  protected floorTick = 0;
  protected limitTick = Number.NEGATIVE_INFINITY;

  constructor(layout: Layout) {
    this.layout = layout;
    this.workerShift = BigInt(layout.sequenceBits);
    this.tickShift = BigInt(layout.sequenceBits + layout.workerBits);
  }

  /**
   * The worker ID in use, or -1 while none is assigned.
   * @example if (gen.workerId < 0) await leaser.start();
   */
  get workerId(): number {
    return this.currentWorkerId;
  }

  /**
   * The fence currently enforced, in ms.
   * @example const msLeft = gen.fence.limitMs - Date.now();
   */
  get fence(): Fence {
    const { epochMs, unitMs } = this.layout;
    return {
      floorMs: epochMs + this.floorTick * unitMs,
      limitMs: epochMs + this.limitTick * unitMs,
    };
  }

  /**
   * Starts issuing as `workerId` inside `fence`. A new worker ID also starts after this
   * instance's last tick, so one generator's IDs stay strictly increasing across reassignments.
   * @example gen.assign(42, { floorMs: previousExpiresAt, limitMs: expiresAt });
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

  /**
   * Moves the upper bound (a renewal extends it); IDs at or past it are refused.
   * @example gen.extend(renewed.expiresAt);
   */
  extend(limitMs: number): void {
    if (this.currentWorkerId < 0) throw new LeaseExpiredError("no worker ID assigned");
    this.limitTick = Math.min(this.ceilTick(limitMs), this.layout.maxTick + 1);
  }

  /**
   * Stops issuing at once (lease lost); `assign` starts again.
   * @example gen.revoke(); // every call now throws LeaseExpiredError
   */
  revoke(): void {
    this.limitTick = Number.NEGATIVE_INFINITY;
  }

  /**
   * Whether an ID could be issued at `nowMs` without waiting past the fence.
   * @example if (!gen.canIssueAt(Date.now())) await renewInline();
   */
  canIssueAt(nowMs: number): boolean {
    return this.currentWorkerId >= 0 && this.tickAt(nowMs) < this.limitTick;
  }

  protected tickAt(ms: number): number {
    return Math.floor((ms - this.layout.epochMs) / this.layout.unitMs);
  }

  protected ceilTick(ms: number): number {
    return Math.ceil((ms - this.layout.epochMs) / this.layout.unitMs);
  }

  protected tickStartMs(tick: number): number {
    return this.layout.epochMs + tick * this.layout.unitMs;
  }
}
