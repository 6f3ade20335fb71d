import type { Clock } from "./core/clock.ts";

/** The real clock, built only from globals that Node, workerd and Lambda all have. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
