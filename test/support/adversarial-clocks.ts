import type { Scheduler } from "fast-check";
import type { Clock } from "../../src/core/clock.ts";

/**
 * Clocks whose sleeps resolve in orders real runtimes do not promise, to prove the generator does
 * not depend on a runtime's timer ordering. Time only moves when a sleep resolves, and never back.
 */

/**
 * fast-check's scheduler decides which sleep fires next; firing moves time to its due time and
 * then resolves every sleep due by then in the same synchronous turn (as timers do after the event
 * loop was busy), so the continuations of several waiters queue up with nothing in between.
 */
export class ScheduledClock implements Clock {
  ms: number;
  private readonly scheduler: Scheduler;
  private pending: { dueMs: number; resolve: () => void }[] = [];

  constructor(scheduler: Scheduler, startMs: number) {
    this.scheduler = scheduler;
    this.ms = startMs;
  }

  now(): number {
    return this.ms;
  }

  monotonic(): number {
    return this.ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = { dueMs: this.ms + ms, resolve };
      this.pending.push(timer);
      void this.scheduler
        .schedule(Promise.resolve(), `sleep until ${timer.dueMs}`)
        .then(() => this.fire(timer));
    });
  }

  private fire(timer: { dueMs: number; resolve: () => void }): void {
    if (!this.pending.includes(timer)) return; // already resolved in an earlier burst
    this.ms = Math.max(this.ms, timer.dueMs);
    const due = [timer, ...this.pending.filter((t) => t !== timer && t.dueMs <= this.ms)];
    this.pending = this.pending.filter((t) => !due.includes(t));
    for (const t of due) t.resolve();
  }
}

/**
 * Resolves every sleep that is due in one synchronous turn, with no microtask checkpoint between
 * them (the order that once let two waiters take the same sequence numbers).
 */
export class BurstClock implements Clock {
  ms: number;
  private timers: { dueMs: number; resolve: () => void }[] = [];

  constructor(startMs: number) {
    this.ms = startMs;
  }

  now(): number {
    return this.ms;
  }

  monotonic(): number {
    return this.ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ dueMs: this.ms + ms, resolve }));
  }

  /** Advances to the earliest due sleep and resolves all due ones at once, until `done` settles. */
  async drive(done: Promise<unknown>): Promise<void> {
    let settled = false;
    const finished = done.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.timers.length === 0) continue;
      this.ms = Math.max(this.ms, Math.min(...this.timers.map((timer) => timer.dueMs)));
      const due = this.timers.filter((timer) => timer.dueMs <= this.ms);
      this.timers = this.timers.filter((timer) => timer.dueMs > this.ms);
      for (const timer of due) timer.resolve();
    }
    await finished;
  }
}
