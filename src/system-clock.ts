import type { Clock } from "./core/clock.ts";

/** The real clock, built only from globals that Node, workerd and Lambda all have. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * `systemClock` plus `yieldTurn` on `setImmediate`: sub-ms waits for a tick boundary take event-loop
 * turns (I/O keeps flowing) instead of a timer of at least 1 ms. Node and Lambda (Node) only.
 */
export const nodeClock: Clock = {
  ...systemClock,
  yieldTurn: (resume) => {
    setImmediate(resume);
  },
};
