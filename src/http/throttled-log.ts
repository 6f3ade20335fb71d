import type { Clock } from "../core/clock.ts";
import type { Logger } from "../log.ts";

/**
 * A warning per kind at most once per `intervalMs`, with how many were held back: during an outage
 * every request fails the same way, and one line a second says as much as thousands would.
 */
export function throttledWarn(logger: Logger, clock: Clock, intervalMs = 1_000) {
  const kinds = new Map<string, { lastMs: number; suppressed: number }>();
  return (kind: string, fields: object, message: string): void => {
    const nowMs = clock.monotonic();
    const entry = kinds.get(kind);
    if (entry && nowMs - entry.lastMs < intervalMs) {
      entry.suppressed++;
      return;
    }
    logger.warn({ ...fields, suppressed: entry?.suppressed ?? 0 }, message);
    kinds.set(kind, { lastMs: nowMs, suppressed: 0 });
  };
}
