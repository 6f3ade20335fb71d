// Small test doubles the in-process target tests share: a logger that keeps its messages and a
// memory lease store that can be made to fail.
import { MemoryLeaseStore } from "../../src/lease/memory-store.ts";
import type { LeaseStore } from "../../src/lease/store.ts";
import type { Logger } from "../../src/log.ts";

/** A logger keeping every message (any level) in order. */
export function recordingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const log = (_fields: object, message: string) => void messages.push(message);
  return { logger: { info: log, warn: log, error: log }, messages };
}

/**
 * A memory store whose every operation rejects with `state.error` while it is set; `state.calls`
 * counts the operations asked of it (failed ones included).
 */
export function failingStore(): { store: LeaseStore; state: { error?: Error; calls: number } } {
  const inner = new MemoryLeaseStore();
  const state: { error?: Error; calls: number } = { calls: 0 };
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        state.calls++;
        return state.error ? Promise.reject(state.error) : value.apply(target, args);
      };
    },
  });
  return { store, state };
}
