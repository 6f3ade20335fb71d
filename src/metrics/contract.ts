// The metrics contract: every metric the service exposes, defined once. Names, types and label
// names are public (infra/prometheus rules, the Grafana dashboard and tests read them); see
// docs/ARCHITECTURE.md#metrics. Every registration in src/ takes its definition from here.

/** One metric's public definition. */
export interface MetricSpec<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly labelNames: readonly L[];
  /** Histograms only: upper bounds in the metric's unit. */
  readonly buckets?: readonly number[];
}

function spec<const L extends string>(
  name: string,
  type: MetricSpec["type"],
  help: string,
  labelNames: readonly L[],
  buckets?: readonly number[],
): MetricSpec<L> {
  return buckets ? { name, type, help, labelNames, buckets } : { name, type, help, labelNames };
}

const WORKER = ["worker"] as const;
const HTTP_LABELS = ["method", "route", "status"] as const;

/** Generator counters (read from `SnowflakeGenerator.stats` at scrape time). */
export const GENERATOR_COUNTERS = {
  generated: spec("snowflake_ids_generated_total", "counter", "IDs issued", WORKER),
  clockBackward: spec(
    "snowflake_clock_backward_total",
    "counter",
    "Clock steps back that were waited out",
    WORKER,
  ),
  clockBackwardErrors: spec(
    "snowflake_clock_backward_errors_total",
    "counter",
    "Clock steps back beyond the tolerance (refused)",
    WORKER,
  ),
  sequenceOverflow: spec(
    "snowflake_sequence_overflow_total",
    "counter",
    "Ticks whose sequence ran out, forcing a wait",
    WORKER,
  ),
  waitMicros: spec(
    "snowflake_wait_time_microseconds_total",
    "counter",
    "Time spent waiting for the clock, in microseconds",
    WORKER,
  ),
} as const;

export const AVG_WAIT = spec(
  "snowflake_avg_wait_microseconds",
  "gauge",
  "Average wait per issued ID, in microseconds (wait time / IDs)",
  WORKER,
);

export const GENERATOR_INFO = spec(
  "snowflake_generator_info",
  "gauge",
  "Static facts about the generator (always 1)",
  ["worker", "layout", "epoch", "runtime", "version"],
);

/** The layout's physical cap per worker: 2^sequence bits per tick (SnowflakeHighLoad reads it). */
export const LAYOUT_CAPACITY = spec(
  "snowflake_layout_capacity_ids_per_second",
  "gauge",
  "Most IDs one worker can issue per second with this layout (2^sequence bits per tick)",
  WORKER,
);

/** `state` is one of held, acquiring, expired (leasing) or static (a fixed WORKER_ID). */
export const LEASE_STATE = spec(
  "snowflake_lease_state",
  "gauge",
  "Worker-ID lease state: 1 for the current state (held, acquiring, expired; static without leasing)",
  ["worker", "state"],
);

export const LEASE_EXPIRES_IN = spec(
  "snowflake_lease_expires_in_seconds",
  "gauge",
  "Seconds until the worker-ID lease ends (negative once it has lapsed)",
  WORKER,
);

export const LEASE_ACQUISITIONS = spec(
  "snowflake_lease_acquisitions_total",
  "counter",
  "Conditional acquire writes by result (conflict: the worker ID was held)",
  ["result"],
);

export const LEASE_RENEWALS = spec(
  "snowflake_lease_renewals_total",
  "counter",
  "Lease renewal writes by result (conflict: the lease was taken over)",
  ["result"],
);

export const LEASE_RENEWAL_DURATION = spec(
  "snowflake_lease_renewal_duration_seconds",
  "histogram",
  "Latency of lease renewal writes",
  [],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
);

export const LEASE_POOL_WORKER_IDS = spec(
  "snowflake_lease_pool_worker_ids",
  "gauge",
  "Worker IDs this instance leases from: the size of its range (LEASE_WORKER_IDS, default the layout's whole range, e.g. 0-1023)",
  ["namespace", "range"],
);

/** Remote-write pushes from Workers and Lambda (`METRICS_PUSH_URL`). */
export const METRICS_PUSHES = spec(
  "snowflake_metrics_push_total",
  "counter",
  "Remote-write pushes of these metrics by result (success, error, timeout)",
  ["result"],
);

/** `route` is the matched route template, or `unmatched` (no route, or refused before routing). */
export const HTTP_REQUESTS = spec(
  "http_requests_total",
  "counter",
  "HTTP requests by method, route template and status",
  HTTP_LABELS,
);

export const HTTP_REQUEST_DURATION = spec(
  "http_request_duration_seconds",
  "histogram",
  "HTTP request duration in seconds",
  HTTP_LABELS,
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
);

/** Every metric of the contract (tests check the exposition against this list). */
export const METRIC_CONTRACT: readonly MetricSpec[] = [
  ...Object.values(GENERATOR_COUNTERS),
  AVG_WAIT,
  GENERATOR_INFO,
  LAYOUT_CAPACITY,
  LEASE_STATE,
  LEASE_EXPIRES_IN,
  LEASE_ACQUISITIONS,
  LEASE_RENEWALS,
  LEASE_RENEWAL_DURATION,
  LEASE_POOL_WORKER_IDS,
  METRICS_PUSHES,
  HTTP_REQUESTS,
  HTTP_REQUEST_DURATION,
];

/** prom-client's constructor options for `spec` (name, help, label names, buckets). */
export function promOptions<L extends string>(
  metric: MetricSpec<L>,
): { name: string; help: string; labelNames: L[]; buckets?: number[] } {
  const options = { name: metric.name, help: metric.help, labelNames: [...metric.labelNames] };
  return metric.buckets ? { ...options, buckets: [...metric.buckets] } : options;
}
