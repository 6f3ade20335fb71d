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
