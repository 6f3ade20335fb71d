// Hooks shared by the layers of a service (http, lease, targets), so none imports another's types.

/** Hands a promise to the runtime so it may finish after the response (Workers' `waitUntil`). */
export type Background = (task: Promise<unknown>) => void;

/** One detected problem, reported by /health (503) with its reason. */
export interface HealthIssue {
  check: string;
  detail: string;
}
