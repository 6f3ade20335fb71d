import type { Clock } from "./clock.ts";
import type { Layout } from "./layout.ts";

/**
 * Plain counters, read at scrape time; never touched by anything but the generator.
 * @example
 * const { generated, sequenceOverflow, waitMicros } = gen.stats;
 */
export interface GeneratorStats {
  /** IDs handed out (a batch counts once it is complete). */
  generated: number;
  /** Clock steps back that were waited out. */
  clockBackward: number;
  /** Clock steps back beyond the tolerance (each one a `ClockBackwardError`). */
  clockBackwardErrors: number;
  /** Ticks whose sequence ran out while a caller wanted more. */
  sequenceOverflow: number;
  /** Time callers spent waiting for the clock, in microseconds. */
  waitMicros: number;
  /** Wall-clock ms of the last unrecoverable clock error, or -1. */
  lastClockBackwardErrorAtMs: number;
}

/** Counters of a new generator. */
export function zeroStats(): GeneratorStats {
  return {
    generated: 0,
    clockBackward: 0,
    clockBackwardErrors: 0,
    sequenceOverflow: 0,
    waitMicros: 0,
    lastClockBackwardErrorAtMs: -1,
  };
}

/**
 * Timestamps a holder may issue: `floorMs <= timestamp < limitMs` (docs/ARCHITECTURE.md#fencing).
 * @example
 * gen.assign(42, { floorMs: previousHolderExpiresAt, limitMs: myLeaseExpiresAt });
 */
export interface Fence {
  floorMs: number;
  limitMs: number;
}

/**
 * What a generator is built from.
 * @example
 * const gen = new SnowflakeGenerator({ layout, clock: systemClock, workerId: 7, maxClockBackwardMs: 10 });
 */
export interface GeneratorOptions {
  layout: Layout;
  clock: Clock;
  /** A static worker ID; leave it out when a leaser assigns one later. */
  workerId?: number;
  /** How far back the clock may step before the generator refuses instead of waiting (default 10). */
  maxClockBackwardMs?: number;
}
