import type { Clock } from "../../src/core/clock.ts";

/**
 * A clock that moves only when told to: `advance`/`set` from the test, `sleep` by exactly the
 * requested time, and (optionally) `stepPerRead` on every `now()` so synchronous spins progress.
 */
export class FakeClock implements Clock {
  ms: number;
  stepPerRead: number;
  protected monotonicMs = 0;
  readonly sleeps: number[] = [];

  constructor(startMs: number, stepPerRead = 0) {
    this.ms = startMs;
    this.stepPerRead = stepPerRead;
  }

  now(): number {
    const value = this.ms;
    if (this.stepPerRead > 0) this.advance(this.stepPerRead);
    return value;
  }

  monotonic(): number {
    return this.monotonicMs;
  }

  advance(ms: number): void {
    this.ms += ms;
    if (ms > 0) this.monotonicMs += ms;
  }

  set(ms: number): void {
    this.advance(ms - this.ms);
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.advance(ms);
    return Promise.resolve();
  }
}
