import type { HealthIssue } from "../service-types.ts";
import type { Tenure } from "./tenure.ts";

/**
 * The lease's /health issue, or null: none when no lease is held (yet, or after `stop`), or when
 * the tenure says renewals are overdue; with the last failed store operation as the reason.
 */
export function leaseHealthIssue(
  tenure: Tenure | undefined,
  nowMs: number,
  stopped: boolean,
  lastError: string | undefined,
): HealthIssue | null {
  const reason = lastError ? `; last store operation failed: ${lastError}` : "";
  if (!tenure) {
    const what = stopped ? "released (shutting down)" : "none held yet";
    return { check: "lease", detail: `worker-ID lease ${what}${reason}` };
  }
  if (!tenure.overdue(nowMs)) return null;
  const leftMs = Math.round(tenure.expiresAt - nowMs);
  return {
    check: "lease",
    detail:
      leftMs > 0
        ? `lease on worker ID ${tenure.workerId} expires in ${leftMs} ms${reason}`
        : `lease on worker ID ${tenure.workerId} expired ${-leftMs} ms ago${reason}`,
  };
}
