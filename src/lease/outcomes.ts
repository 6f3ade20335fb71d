import type { Counter } from "prom-client";
import type { WriteResult } from "./metrics.ts";
import { errorMessage } from "./policy.ts";

/** A lease write counter (`snowflake_lease_acquisitions_total` or `..._renewals_total`). */
export type WriteCounter = Counter<"result">;

/**
 * What the last store operations came to: the length of the current run of failures (it sets the
 * backoff) and the last failure's message (shown by /health until the next success).
 */
export class StoreOutcomes {
  private streak = 0;
  private lastMessage: string | undefined;

  get failures(): number {
    return this.streak;
  }

  get lastError(): string | undefined {
    return this.lastMessage;
  }

  succeeded(counter: WriteCounter | undefined): void {
    counter?.inc({ result: "success" satisfies WriteResult });
    this.streak = 0;
    this.lastMessage = undefined;
  }

  failed(counter: WriteCounter | undefined, error: unknown): void {
    counter?.inc({ result: "error" satisfies WriteResult });
    this.streak++;
    this.lastMessage = errorMessage(error);
  }

  /** A refusal that is not a store failure (every worker ID held): shown, but no backoff step. */
  refused(message: string): void {
    this.lastMessage = message;
  }
}
