// Hooks shared by the layers of a service (http, lease, targets), so none imports another's types.

/** Hands a promise to the runtime so it may finish after the response (Workers' `waitUntil`). */
export type Background = (task: Promise<unknown>) => void;

/** One detected problem, reported by /health (503) with its reason. */
export interface HealthIssue {
  check: string;
  /** A short reason, shown to anyone (worker ID, time left; no table names or endpoints). */
  detail: string;
  /** Internals (a store's raw error text): shown only to callers with AUTH_TOKEN or METRICS_TOKEN. */
  cause?: string;
}
