/**
 * The only source of time for the core; injected so tests can script it and runtimes can differ.
 *
 * @example
 * ```ts
 * const clock: Clock = {
 *   now: () => Date.now(),
 *   monotonic: () => performance.now(),
 *   sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
 * };
 * ```
 */
export interface Clock {
  /** Wall-clock time in ms since 1970; IDs carry this time. */
  now(): number;
  /** Monotonic time in ms (sub-ms precision where the runtime has it); only used to measure waits. */
  monotonic(): number;
  /** Resolves after about `ms` milliseconds without blocking the thread. */
  sleep(ms: number): Promise<void>;
  /**
   * Optional: calls `resume` on the event loop's next turn, after pending I/O (Node:
   * `setImmediate`). Where it exists, the async API waits for a tick boundary at most 1 ms away by
   * taking turns instead of a timer (a timer cannot wait less than 1 ms), for at most 2 ms per wait.
   * A callback, not a promise: a waiting server takes hundreds of thousands of turns a second, and
   * a promise per turn more than doubled its garbage (docs/BENCHMARKS.md#event-loop-delay). Leave it
   * out where time only advances across real waits (Workers).
   */
  yieldTurn?(resume: () => void): void;
}
