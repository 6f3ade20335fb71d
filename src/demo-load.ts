const INTERVAL_MS = 100;

/**
 * Issues about `perSecond` IDs per second in the background so dashboards show live data.
 * Returns a stop function. Failures are left to the generator's own counters.
 */
export function startDemoLoad(
  perSecond: number,
  issue: (count: number) => Promise<unknown>,
): () => void {
  if (perSecond <= 0) return () => {};
  let carry = 0;
  const timer = setInterval(() => {
    carry += (perSecond * INTERVAL_MS) / 1000;
    const count = Math.floor(carry);
    if (count < 1) return;
    carry -= count;
    issue(count).catch(() => {});
  }, INTERVAL_MS);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
