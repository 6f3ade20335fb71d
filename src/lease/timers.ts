/** Timer functions, injectable so tests can drive them. */
export interface Timers {
  /** Runs `callback` after `ms`; a timer without `keepAlive` must not keep a Node process alive. */
  set(callback: () => void, ms: number, keepAlive?: boolean): unknown;
  clear(handle: unknown): void;
}

/** Global timers (the same in Node, workerd and Lambda); `unref` where the runtime has it. */
export const globalTimers: Timers = {
  set(callback, ms, keepAlive = false) {
    const handle: unknown = setTimeout(callback, ms);
    if (!keepAlive) (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clear(handle) {
    clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};

/** At most one pending timer or wait: setting one replaces the last; `cancel` ends a wait early. */
export class TimerSlot {
  private readonly timers: Timers;
  private handle: unknown;
  private wake: (() => void) | undefined;

  constructor(timers: Timers) {
    this.timers = timers;
  }

  /** Runs `callback` after `ms` (without keeping a Node process alive). */
  set(callback: () => void, ms: number): void {
    this.timers.clear(this.handle);
    this.handle = this.timers.set(callback, ms);
  }

  /** Resolves after `ms`, or at `cancel`; keeps a Node process alive meanwhile. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.handle = this.timers.set(resolve, ms, true);
    }).finally(() => {
      this.wake = undefined;
    });
  }

  cancel(): void {
    this.timers.clear(this.handle);
    this.wake?.();
  }
}
