import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import {
  LEASE_ACQUISITIONS,
  LEASE_EXPIRES_IN,
  LEASE_RENEWAL_DURATION,
  LEASE_RENEWALS,
  LEASE_STATE,
  promOptions,
} from "./contract.ts";

/** The leaser's states as `snowflake_lease_state` reports them (static mode: generator.ts). */
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
      ...promOptions(LEASE_STATE),
      registers: [registry],
      collect() {
        this.reset();
        const current = source.state();
        const worker = source.worker();
        for (const state of LEASE_STATES) this.set({ worker, state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      ...promOptions(LEASE_EXPIRES_IN),
      registers: [registry],
      collect() {
        this.reset();
        const seconds = source.expiresInSeconds();
        if (seconds !== undefined) this.set({ worker: source.worker() }, seconds);
      },
    });
    this.acquisitions = new Counter({ ...promOptions(LEASE_ACQUISITIONS), registers: [registry] });
    this.renewals = new Counter({ ...promOptions(LEASE_RENEWALS), registers: [registry] });
    for (const result of RESULTS) {
      this.acquisitions.inc({ result }, 0);
      this.renewals.inc({ result }, 0);
    }
    this.renewalDuration = new Histogram({
      ...promOptions(LEASE_RENEWAL_DURATION),
      registers: [registry],
    });
  }
}
