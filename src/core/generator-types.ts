import type { Clock } from "./clock.ts";
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

/** Timestamps a holder may issue: `floorMs <= timestamp < limitMs` (docs/ARCHITECTURE.md#fencing). */
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
