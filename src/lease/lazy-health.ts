// /health for leasing: what it reports on every target, and the lazy targets' check that never
// leases (Workers, Lambda): an uptime prober must not make an isolate hold a worker ID or write.
import type { HealthIssue } from "../service-types.ts";
import { leaseHealthIssue } from "./health.ts";
import type { Leaser } from "./leaser.ts";
import { errorMessage } from "./policy.ts";
import { shortPeriodMs } from "./tenure.ts";

/** `held`: a lease covers now; `lapsing`: its renewals are overdue; `none`: none covers now. */
export type LeaseHealthState = "held" | "lapsing" | "none";

/** The lease part of /health's JSON: its state and the range it is drawn from. */
export interface LeaseHealthFacts {
  state: LeaseHealthState;
  /** The worker IDs leased from (`LEASE_WORKER_IDS`, or the layout's whole range). */
  workerIds: string;
}

/** The lease's state at `nowMs` and its range. */
export function leaseHealthFacts(leaser: Leaser, nowMs: number): LeaseHealthFacts {
  const tenure = leaser.tenure;
  let state: LeaseHealthState = "none";
  if (tenure && tenure.phase(nowMs) !== "lapsed")
    state = tenure.overdue(nowMs) ? "lapsing" : "held";
  return { state, workerIds: leaser.range.text };
}

/**
 * The lazy targets' lease health: reports what the isolate has, acquires nothing.
 * - held: healthy;
 * - lapsing: healthy while idle (the next request that issues renews inline), 503 once a renewal
 *   failed;
 * - none yet (or lapsed while idle): 503 while a failed acquisition is still being answered from
 *   memory, else healthy when the store answers a cheap read of the namespace binding
 *   (`LeaseStore.readBinding`, at most once per `min(TTL/10, 1 s)`), 503 when it does not.
 */
export class LazyLeaseHealth {
  private readonly leaser: Leaser;
  private probe: { atMs: number; error: string | undefined } | undefined;
  private inflight: Promise<void> | undefined;

  constructor(leaser: Leaser) {
    this.leaser = leaser;
  }

  /** `AppDeps.beforeHealth`: reads the binding when no lease covers now and none was read lately. */
  async refresh(nowMs: number): Promise<void> {
    if (leaseHealthFacts(this.leaser, nowMs).state !== "none") return;
    if (this.leaser.refusalAt(nowMs)) return;
    if (this.probe && nowMs - this.probe.atMs < shortPeriodMs(this.leaser.ttlMs)) return;
    this.inflight ??= this.leaser.store
      .readBinding()
      .then(
        () => ({ atMs: nowMs, error: undefined }),
        (error: unknown) => ({ atMs: nowMs, error: errorMessage(error) }),
      )
      .then((probe) => {
        this.probe = probe;
        this.inflight = undefined;
      });
    await this.inflight;
  }

  /** `AppDeps.healthChecks`: the issue, or null. */
  readonly check = (nowMs: number): HealthIssue | null => {
    const { state } = leaseHealthFacts(this.leaser, nowMs);
    if (state === "held") return null;
    if (state === "lapsing") {
      return this.leaser.lastStoreError === undefined ? null : this.leaser.healthCheck(nowMs);
    }
    const refusal = this.leaser.refusalAt(nowMs);
    const error = refusal ? errorMessage(refusal) : this.probe?.error;
    return error === undefined ? null : leaseHealthIssue(undefined, nowMs, false, error);
  };
}
