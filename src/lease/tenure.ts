import type { Acquired, Lease } from "./store.ts";

/**
 * Where a held lease stands at a moment, by the lease left (`expiresAt - now`):
 * - `fresh`: more than two thirds of the TTL; nothing to do.
 * - `renew-in-background`: a renewal is due; issuing goes on while it runs.
 * - `renew-inline`: at most `shortPeriodMs` left; renew before issuing again.
 * - `lapsed`: nothing left; the generator has already stopped at `expiresAt`.
 */
export type Phase = "fresh" | "renew-in-background" | "renew-inline" | "lapsed";

/**
 * min(TTL/10, 1 s): the inline-renewal margin, and how long a failed acquisition is answered from
 * memory (or a full namespace waited for) before the table is asked again.
 */
export function shortPeriodMs(ttlMs: number): number {
  return Math.min(ttlMs / 10, 1_000);
}

/**
 * One held lease as an immutable value: the store's lease (worker ID, owner, version, expiresAt),
 * its floor (the previous holder's `expiresAt`), when it was acquired and the TTL it runs on. A
 * renewal makes a new value; every TTL fraction the leaser acts on is decided here.
 */
export class Tenure {
  readonly lease: Readonly<Lease>;
  /** The previous holder's `expiresAt` (0 for a never-used worker ID): nothing is issued below it. */
  readonly floorMs: number;
  readonly acquiredAt: number;
  readonly ttlMs: number;

  private constructor(lease: Lease, floorMs: number, acquiredAt: number, ttlMs: number) {
    this.lease = Object.freeze({ ...lease });
    this.floorMs = floorMs;
    this.acquiredAt = acquiredAt;
    this.ttlMs = ttlMs;
    Object.freeze(this);
  }

  /** The tenure an acquisition at `nowMs` began. */
  static acquired(acquired: Acquired, nowMs: number, ttlMs: number): Tenure {
    return new Tenure(acquired.lease, acquired.previousExpiresAt ?? 0, nowMs, ttlMs);
  }

  /** The same tenure after a renewal wrote `lease`. */
  renewed(lease: Lease): Tenure {
    return new Tenure(lease, this.floorMs, this.acquiredAt, this.ttlMs);
  }

  get workerId(): number {
    return this.lease.workerId;
  }

  get expiresAt(): number {
    return this.lease.expiresAt;
  }

  /** The phase at `nowMs`; the only place its thresholds live. */
  phase(nowMs: number): Phase {
    const leftMs = this.expiresAt - nowMs;
    if (leftMs > (this.ttlMs * 2) / 3) return "fresh";
    if (leftMs > shortPeriodMs(this.ttlMs)) return "renew-in-background";
    return leftMs > 0 ? "renew-inline" : "lapsed";
  }

  /** When `phase` leaves `fresh`: the Node timer renews then. */
  get renewalDueAt(): number {
    return this.expiresAt - (this.ttlMs * 2) / 3;
  }

  /**
   * For /health: renewals are overdue once a renewal has been due for a third of the TTL, that is
   * with less than a third of it left (in whole ms, as reported), and always once inline or lapsed.
   */
  overdue(nowMs: number): boolean {
    switch (this.phase(nowMs)) {
      case "fresh":
        return false;
      case "renew-in-background":
        return Math.round(this.expiresAt - nowMs) < this.ttlMs / 3;
      default:
        return true;
    }
  }
}
