import type { HealthIssue } from "../service-types.ts";
import type { AppDeps } from "./deps.ts";

const CLOCK_ERROR_WINDOW_MS = 60_000;
// The leaser appends the store's raw error (SDK text, table name, endpoint) after this marker.
const STORE_ERROR_MARKER = "; last store operation failed: ";

/** Every current issue; `cause` holds internals that only authorised callers see. */
export function healthIssues(deps: AppDeps): HealthIssue[] {
  const now = deps.clock.now();
  const { stats } = deps.generator;
  const issues: HealthIssue[] = [];
  if (
    stats.lastClockBackwardErrorAtMs >= 0 &&
    now - stats.lastClockBackwardErrorAtMs < CLOCK_ERROR_WINDOW_MS
  ) {
    issues.push({
      check: "clock",
      detail: `clock stepped back beyond the tolerance in the last minute (${stats.clockBackwardErrors} times in total)`,
    });
  }
  const extra = (deps.healthChecks ?? []).map((check) => check(now)).filter((i) => i !== null);
  issues.push(...extra.map(separateCause));
  if (extra.length === 0 && !deps.leaseOnDemand && !deps.generator.canIssueAt(now)) {
    issues.push({
      check: "generator",
      detail: "the generator cannot issue IDs now (no worker ID or lease)",
    });
  }
  return issues;
}

/** Why this instance should get no traffic now (/readyz), public parts only; empty means ready. */
export function readinessIssues(deps: AppDeps): HealthIssue[] {
  const now = deps.clock.now();
  const checks = deps.readinessChecks ?? [];
  return checks
    .map((check) => check(now))
    .filter((i) => i !== null)
    .map((i) => publicIssue(separateCause(i)));
}

/** What anyone may see: the check and its short reason (worker, time left), no internals. */
export function publicIssue(issue: HealthIssue): HealthIssue {
  return { check: issue.check, detail: issue.detail };
}

/** Moves a store error folded into `detail` (the leaser's format) into `cause`. */
function separateCause(issue: HealthIssue): HealthIssue {
  if (issue.cause !== undefined) return issue;
  const at = issue.detail.indexOf(STORE_ERROR_MARKER);
  if (at === -1) return issue;
  return {
    check: issue.check,
    detail: issue.detail.slice(0, at + STORE_ERROR_MARKER.length - 2),
    cause: issue.detail.slice(at + STORE_ERROR_MARKER.length),
  };
}
