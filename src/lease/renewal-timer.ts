import type { Clock } from "../core/clock.ts";
import { LeaseExpiredError } from "../core/errors.ts";
import type { Logger } from "../log.ts";
import type { StoreOutcomes } from "./outcomes.ts";
import { errorMessage, isTransient, retryDelayMs } from "./policy.ts";
import type { Tenure } from "./tenure.ts";
import { TimerSlot, type Timers } from "./timers.ts";

/** What the timer drives: the leaser's shared store operation and its tenure. */
export interface Renewable {
  refresh(): Promise<void>;
  readonly tenure: Tenure | undefined;
}

export interface RenewalTimerOptions {
  clock: Clock;
  timers: Timers;
  logger: Logger;
  ttlMs: number;
  random: () => number;
  outcomes: StoreOutcomes;
}

/**
 * The Node path: acquire (waiting while every worker ID is held), then renew on a timer set for
 * the moment the tenure's phase leaves `fresh`; failures are retried with backoff.
 */
export class RenewalTimer {
  private readonly leaser: Renewable;
  private readonly options: RenewalTimerOptions;
  /** The renewal timer, or `start`'s wait for a retry (which `stop` ends early). */
  private readonly slot: TimerSlot;
  private stopped = false;

  constructor(leaser: Renewable, options: RenewalTimerOptions) {
    this.leaser = leaser;
    this.options = options;
    this.slot = new TimerSlot(options.timers);
  }

  /** Resolves once a lease is held and its renewal is scheduled. */
  async start(): Promise<void> {
    const { clock, logger } = this.options;
    let logged = { text: "", atMs: Number.NEGATIVE_INFINITY };
    for (;;) {
      if (this.stopped) throw new LeaseExpiredError("leasing stopped before a lease was acquired");
      try {
        await this.leaser.refresh();
        break;
      } catch (error) {
        if (!isTransient(error)) throw error;
        const delayMs = this.retryDelayMs(error);
        const text = errorMessage(error);
        const nowMs = clock.now();
        // A waiting instance polls often; log what changes, and a reminder every 30 s.
        if (text !== logged.text || nowMs - logged.atMs >= 30_000) {
          logged = { text, atMs: nowMs };
          logger.warn(
            { err: text, retryInMs: Math.round(delayMs) },
            "no worker-ID lease yet; retrying",
          );
        }
        // Kept alive: nothing else holds a Node process open while it waits for its first lease.
        await this.slot.wait(delayMs);
      }
    }
    this.scheduleRenewal();
  }

  /** No further renewals; a wait in `start` ends now. */
  stop(): void {
    this.stopped = true;
    this.slot.cancel();
  }

  /** The next renewal when the tenure's phase leaves `fresh` (at once if it already has). */
  private scheduleRenewal(): void {
    const tenure = this.leaser.tenure;
    const dueInMs = tenure ? tenure.renewalDueAt - this.options.clock.now() : 0;
    this.schedule(Math.max(0, dueInMs));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.slot.set(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    // Early by this clock (it was set back): wait for the phase instead of writing too soon.
    if (this.leaser.tenure?.phase(this.options.clock.now()) === "fresh") {
      this.scheduleRenewal();
      return;
    }
    try {
      await this.leaser.refresh();
      this.scheduleRenewal();
    } catch (error) {
      if (this.stopped) return;
      const delayMs = this.retryDelayMs(error);
      const fields = {
        workerId: this.leaser.tenure?.workerId,
        err: errorMessage(error),
        retryInMs: Math.round(delayMs),
      };
      if (isTransient(error)) this.options.logger.warn(fields, "lease renewal failed; retrying");
      else this.options.logger.error(fields, "lease renewal failed; retrying");
      this.schedule(delayMs);
    }
  }

  private retryDelayMs(error: unknown): number {
    const { ttlMs, outcomes, random } = this.options;
    return retryDelayMs(error, ttlMs, outcomes.failures, random);
  }
}
