// The lease metrics are defined with every other metric in src/metrics/ (contract.ts); this module
// keeps the leaser's import path.
export {
  LEASE_STATES,
  type LeaseGaugeSource,
  LeaseMetrics,
  type LeaseState,
  type WriteResult,
} from "../metrics/lease.ts";
