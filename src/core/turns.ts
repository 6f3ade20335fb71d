import type { Clock } from "./clock.ts";

// How long, and how many turns of the event loop (`Clock.yieldTurn`) one round of waiting for a
// tick boundary may take: bounded in time and in turns, so a frozen clock cannot keep it yielding.
const YIELD_BUDGET_MS = 2;
const YIELD_TURNS = 1_000;

/**
 * One round of event-loop turns (`clock.yieldTurn`) until the clock reads `untilMs`, or
 * YIELD_BUDGET_MS or YIELD_TURNS have passed; resolves at once without `yieldTurn`. A chain of
 * callbacks, one promise per round: a promise per turn more than doubled a waiting server's garbage.
 */
export function turnsUntil(clock: Clock, untilMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const started = clock.monotonic();
    let turn = 0;
    const step = (): void => {
      try {
        const more =
          clock.yieldTurn !== undefined &&
          turn++ < YIELD_TURNS &&
          clock.now() < untilMs &&
          clock.monotonic() - started < YIELD_BUDGET_MS;
        if (more) clock.yieldTurn?.(step);
        else resolve();
      } catch (error) {
        reject(error);
      }
    };
    step();
  });
}
