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

/** How the target leases, which decides what "ready" means without a lease. */
export type LeasingMode = "at-start" | "on-demand";

/**
 * The lease's /readyz issue, or null. Node leases at start and serves only under a lease: not ready
 * until one is held, nor once renewals are overdue (less than a third of the TTL left, the same
 * point where /health turns), so a readiness probe takes the pod out of the Service before the
 * lease lapses. Workers and Lambda lease on demand: an idle instance without a lease (none yet, or
 * lapsed while nothing asked) is ready, since the next issuing request acquires; it is not ready
 * only while the last store operation failed and no lease is usable. Never a store round trip.
 */
export function leaseReadinessIssue(
  tenure: Tenure | undefined,
  nowMs: number,
  stopped: boolean,
  lastError: string | undefined,
  mode: LeasingMode,
): HealthIssue | null {
  if (mode === "on-demand" && !stopped && lastError === undefined) return null;
  return leaseHealthIssue(tenure, nowMs, stopped, lastError);
}
