import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The leaser's states as `snowflake_lease_state` reports them (static mode is reported elsewhere). */
export type LeaseState = "acquiring" | "held" | "expired";
export const LEASE_STATES: readonly LeaseState[] = ["held", "acquiring", "expired"];

export type WriteResult = "success" | "conflict" | "error";
const RESULTS: readonly WriteResult[] = ["success", "conflict", "error"];

/** What the gauges read at scrape time. */
export interface LeaseGaugeSource {
  state(): LeaseState;
  worker(): string;
  /** Seconds until the held lease ends (negative once past), or undefined without a lease. */
  expiresInSeconds(): number | undefined;
}

/** The lease metrics on one registry; counters are incremented by the leaser, gauges read at scrape time. */
export class LeaseMetrics {
  readonly acquisitions: Counter<"result">;
  readonly renewals: Counter<"result">;
  readonly renewalDuration: Histogram;

  constructor(registry: Registry, source: LeaseGaugeSource) {
    new Gauge({
      name: "snowflake_lease_state",
      help: "Worker-ID lease state: 1 for the current state (held, acquiring, expired)",
      labelNames: ["worker", "state"],
      registers: [registry],
      collect() {
        this.reset();
        const current = source.state();
        const worker = source.worker();
        for (const state of LEASE_STATES) this.set({ worker, state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: "snowflake_lease_expires_in_seconds",
      help: "Seconds until the worker-ID lease ends (negative once it has lapsed)",
      labelNames: ["worker"],
      registers: [registry],
      collect() {
        this.reset();
        const seconds = source.expiresInSeconds();
        if (seconds !== undefined) this.set({ worker: source.worker() }, seconds);
      },
    });
    this.acquisitions = new Counter({
      name: "snowflake_lease_acquisitions_total",
      help: "Conditional acquire writes by result (conflict: the worker ID was held)",
      labelNames: ["result"],
      registers: [registry],
    });
    this.renewals = new Counter({
      name: "snowflake_lease_renewals_total",
      help: "Lease renewal writes by result (conflict: the lease was taken over)",
      labelNames: ["result"],
      registers: [registry],
    });
    for (const result of RESULTS) {
      this.acquisitions.inc({ result }, 0);
      this.renewals.inc({ result }, 0);
    }
    this.renewalDuration = new Histogram({
      name: "snowflake_lease_renewal_duration_seconds",
      help: "Latency of lease renewal writes",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }
}
