import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.ts";
import { LeaseExpiredError } from "../core/errors.ts";
import type { SnowflakeGenerator } from "../core/generator.ts";
import type { Background, HealthIssue } from "../http/deps.ts";
import { type Logger, silentLogger } from "../log.ts";
import { LeaseLostError, NoFreeWorkerIdError } from "./errors.ts";
import { LeaseMetrics, type LeaseState, type WriteResult } from "./metrics.ts";
import { errorMessage, freeWorkerIds, isTransient, retryDelayMs } from "./policy.ts";
import type { Acquired, HolderInfo, Lease, LeaseStore } from "./store.ts";
import { globalTimers, type Timers } from "./timers.ts";

export interface LeaserOptions {
  store: LeaseStore;
  generator: SnowflakeGenerator;
  clock: Clock;
  /** Lease length (`LEASE_TTL_MS`). */
  ttlMs: number;
  logger?: Logger;
  /** Where the lease metrics are registered (never the global registry). */
  registry?: Registry;
  /** Written into the lease item for operators. */
  info?: Partial<HolderInfo>;
  /** This instance's identity in the table (default: a random UUID). */
  owner?: string;
  /** Uniform [0, 1): candidate order and jitter. */
  random?: () => number;
  timers?: Timers;
  /** Worker IDs leased are 0..workerIdCount-1 (default: the layout's whole range). */
  workerIdCount?: number;
  /** Conditional writes one acquisition may spend before it gives up (default 16). */
  maxAcquireWrites?: number;
}

/** Random candidates tried before listing the namespace: in a sparse table the first one is free. */
const BLIND_ATTEMPTS = 2;
/** Times one acquisition lists the namespace again after its picks were taken by others. */
const LIST_ROUNDS = 3;

/**
 * Leases a worker ID for one generator and keeps the fencing rule (DESIGN section 4): the generator
 * issues only timestamps in `[previous holder's expiresAt, own expiresAt)`. It drives the generator
 * only through `assign`, `extend` and `revoke`; at `expiresAt` without renewal the generator fails
 * closed by itself.
 *
 * Node calls `start()` (acquire, then renew on a timer); Workers and Lambda call `ensure()` before
 * issuing (lazy acquire, renewal on the request path).
 */
export class Leaser {
  readonly owner: string;
  readonly ttlMs: number;
  readonly store: LeaseStore;
  readonly metrics: LeaseMetrics | undefined;

  private readonly generator: SnowflakeGenerator;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly info: HolderInfo;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly workerIdCount: number;
  private readonly maxAcquireWrites: number;

  private lease: Lease | undefined;
  /** Floor of the current lease: the previous holder's `expiresAt` (0 for a never-used worker ID). */
  private floorMs = 0;
  private bound: Promise<void> | undefined;
  private inflight: Promise<void> | undefined;
  private timer: unknown;
  /** Ends `start`'s wait for a retry early when `stop` is called. */
  private wake: (() => void) | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private failures = 0;
  /** Message of the last failed store operation, cleared by the next success (for /health). */
  private lastError: string | undefined;
  /** Last acquisition found every worker ID held: skip the blind attempts next time. */
  private lastFull = false;
  /** `ensure` does not hit the store again before this time after a failed acquisition. */
  private retryAtMs = 0;
  private retryError: Error | undefined;

  constructor(options: LeaserOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 3) {
      throw new RangeError("ttlMs must be a finite number of at least 3 ms");
    }
    this.store = options.store;
    this.generator = options.generator;
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
    this.logger = options.logger ?? silentLogger;
    this.owner = options.owner ?? crypto.randomUUID();
    this.info = {
      host: options.info?.host ?? "unknown",
      runtime: options.info?.runtime ?? "unknown",
    };
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? globalTimers;
    const range = this.generator.layout.maxWorkerId + 1;
    this.workerIdCount = Math.min(options.workerIdCount ?? range, range);
    this.maxAcquireWrites = options.maxAcquireWrites ?? 16;
    this.metrics = options.registry
      ? new LeaseMetrics(options.registry, {
          state: () => this.state,
          worker: () => String(this.generator.workerId),
          expiresInSeconds: () =>
            this.lease ? (this.lease.expiresAt - this.clock.now()) / 1000 : undefined,
        })
      : undefined;
  }

  /** The lease as last written by this instance, if it holds one. */
  get current(): Readonly<Lease> | undefined {
    return this.lease;
  }

  /** The floor of the current lease (previous holder's `expiresAt`). */
  get floor(): number {
    return this.floorMs;
  }

  /** `held` while the lease covers now, `expired` once past it (or after `stop`), else `acquiring`. */
  get state(): LeaseState {
    if (!this.lease) return this.stopped ? "expired" : "acquiring";
    return this.clock.now() < this.lease.expiresAt ? "held" : "expired";
  }

  /** For `AppDeps.healthChecks`: an issue when there is no lease or less than a third of the TTL is left. */
  readonly healthCheck = (nowMs: number): HealthIssue | null => {
    const lease = this.lease;
    const reason = this.lastError ? `; last store operation failed: ${this.lastError}` : "";
    if (!lease) {
      const what = this.stopped ? "released (shutting down)" : "none held yet";
      return { check: "lease", detail: `worker-ID lease ${what}${reason}` };
    }
    const leftMs = Math.round(lease.expiresAt - nowMs);
    if (leftMs >= this.ttlMs / 3) return null;
    return {
      check: "lease",
      detail:
        leftMs > 0
          ? `lease on worker ID ${lease.workerId} expires in ${leftMs} ms${reason}`
          : `lease on worker ID ${lease.workerId} expired ${-leftMs} ms ago${reason}`,
    };
  };

  /** Node: acquires (waiting while every worker ID is held), then renews at about ttl/3 on a timer. */
  async start(): Promise<void> {
    let logged = { text: "", atMs: Number.NEGATIVE_INFINITY };
    for (;;) {
      if (this.stopped) throw new LeaseExpiredError("leasing stopped before a lease was acquired");
      try {
        await this.refresh();
        break;
      } catch (error) {
        if (!isTransient(error)) throw error;
        const delayMs = retryDelayMs(error, this.ttlMs, this.failures, this.random);
        const text = errorMessage(error);
        const nowMs = this.clock.now();
        // A waiting instance polls often; log what changes, and a reminder every 30 s.
        if (text !== logged.text || nowMs - logged.atMs >= 30_000) {
          logged = { text, atMs: nowMs };
          this.logger.warn(
            { err: text, retryInMs: Math.round(delayMs) },
            "no worker-ID lease yet; retrying",
          );
        }
        // keepAlive: nothing else holds a Node process open while it waits for its first lease.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = this.timers.set(resolve, delayMs, true);
        });
        this.wake = undefined;
      }
    }
    this.schedule(this.ttlMs / 3);
  }

  /**
   * Workers and Lambda, before issuing: acquires on first use, renews in `background` once a third
   * of the TTL has passed, and inline when the lease has lapsed or is about to (after a freeze).
   */
  async ensure(background: Background): Promise<void> {
    if (this.stopped) throw new LeaseExpiredError("leasing has stopped");
    const nowMs = this.clock.now();
    const lease = this.lease;
    if (lease) {
      const leftMs = lease.expiresAt - nowMs;
      if (leftMs > (this.ttlMs * 2) / 3) return;
      if (leftMs > this.inlineMarginMs() && this.generator.canIssueAt(nowMs)) {
        if (!this.inflight) background(this.refreshQuietly());
        return;
      }
    } else if (nowMs < this.retryAtMs && this.retryError) {
      throw this.retryError;
    }
    try {
      await this.refresh();
      this.retryError = undefined;
    } catch (error) {
      if (this.lease && this.generator.canIssueAt(this.clock.now())) return;
      if (!this.lease && error instanceof Error) {
        this.retryError = error;
        this.retryAtMs = this.clock.now() + Math.min(1_000, this.ttlMs / 10);
      }
      throw error;
    }
  }

  /** Renews now (or acquires when no lease is held); concurrent callers share one store operation. */
  refresh(): Promise<void> {
    this.inflight ??= this.renewOrAcquire().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Stops renewing and releases the lease: `expiresAt` is set just past the last issued timestamp,
   * so the next holder starts at once and still above every ID issued here.
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    this.timers.clear(this.timer);
    this.wake?.();
    this.stopping = this.release();
    return this.stopping;
  }

  private async release(): Promise<void> {
    await this.inflight?.catch(() => {});
    this.generator.revoke();
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    const releaseAt = this.releasePoint(lease);
    try {
      await this.store.release(lease, releaseAt, this.clock.now());
      this.logger.info(
        { workerId: lease.workerId, expiresAt: releaseAt },
        "released worker-ID lease",
      );
    } catch (error) {
      this.logger.warn(
        { workerId: lease.workerId, err: errorMessage(error) },
        "could not release worker-ID lease; it lapses at its expiresAt",
      );
    }
  }

  /** Just past the last issued tick, never below the floor, never beyond the lease. */
  private releasePoint(lease: Lease): number {
    let releaseAt = this.floorMs;
    const lastIssuedMs = this.generator.lastIssuedMs;
    if (lastIssuedMs !== undefined) {
      releaseAt = Math.max(releaseAt, lastIssuedMs + this.generator.layout.unitMs);
    }
    return Math.min(releaseAt, lease.expiresAt);
  }

  private async renewOrAcquire(): Promise<void> {
    if (this.stopped) return;
    if (this.lease) {
      try {
        await this.renew(this.lease);
        return;
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
      }
    }
    if (this.stopped) return;
    await this.acquire();
  }

  private async renew(lease: Lease): Promise<void> {
    const nowMs = this.clock.now();
    // Never shorten the stored lease: IDs up to the old expiresAt may already be out.
    const target = Math.max(lease.expiresAt, nowMs + this.ttlMs);
    const started = this.clock.monotonic();
    try {
      const renewed = await this.store.renew(lease, target, nowMs);
      this.lease = renewed;
      this.generator.extend(renewed.expiresAt);
      this.succeeded(this.metrics?.renewals);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Taken over: stop issuing at once, before anything else.
        this.generator.revoke();
        this.lease = undefined;
        this.metrics?.renewals.inc({ result: "conflict" });
        this.logger.warn(
          { workerId: lease.workerId },
          "worker-ID lease was taken over; stopped issuing, acquiring another",
        );
      } else {
        this.failed(this.metrics?.renewals, error);
      }
      throw error;
    } finally {
      this.metrics?.renewalDuration.observe((this.clock.monotonic() - started) / 1000);
    }
  }

  private async acquire(): Promise<void> {
    if (!this.bound) {
      this.bound = this.store.bind(
        { layout: this.generator.layout.name, epochMs: this.generator.layout.epochMs },
        this.clock.now(),
      );
      this.bound.catch(() => {
        this.bound = undefined;
      });
    }
    try {
      await this.bound;
    } catch (error) {
      this.failed(undefined, error);
      throw error;
    }
    const total = this.workerIdCount;
    const tried = new Set<number>();
    let writes = 0;
    if (!this.lastFull) {
      const blind = Math.min(BLIND_ATTEMPTS, total, this.maxAcquireWrites);
      for (let draw = 0; writes < blind && draw < 4 * BLIND_ATTEMPTS; draw++) {
        const workerId = Math.floor(this.random() * total);
        if (tried.has(workerId)) continue;
        tried.add(workerId);
        writes++;
        if (await this.tryAcquire(workerId)) return;
      }
    }
    let held = 0;
    for (let round = 0; round < LIST_ROUNDS && writes < this.maxAcquireWrites; round++) {
      const free = await this.listFreeWorkerIds(total);
      held = total - free.length;
      if (free.length === 0) {
        const error = new NoFreeWorkerIdError(this.store.namespace, held, total);
        // One log line when the namespace fills up, not one per poll while it stays full.
        if (!this.lastFull) {
          this.logger.error({ namespace: this.store.namespace, held, total }, error.message);
        }
        this.lastFull = true;
        this.lastError = error.message;
        throw error;
      }
      for (const workerId of free) {
        if (writes >= this.maxAcquireWrites) break;
        writes++;
        if (await this.tryAcquire(workerId)) return;
      }
    }
    const error = new NoFreeWorkerIdError(
      this.store.namespace,
      held,
      total,
      `no worker ID acquired in namespace "${this.store.namespace}" after ${writes} conditional writes: others took each free ID first`,
    );
    this.lastError = error.message;
    this.logger.error({ namespace: this.store.namespace, writes }, error.message);
    throw error;
  }

  /** Worker IDs without a live lease (by this clock), in random order. */
  private async listFreeWorkerIds(total: number): Promise<number[]> {
    let records: Awaited<ReturnType<LeaseStore["list"]>>;
    try {
      records = await this.store.list();
    } catch (error) {
      this.failed(undefined, error);
      throw error;
    }
    return freeWorkerIds(records, total, this.clock.now(), this.random);
  }

  /** One conditional write; on success the generator is fenced to [previous expiresAt, expiresAt). */
  private async tryAcquire(workerId: number): Promise<boolean> {
    const nowMs = this.clock.now();
    let acquired: Acquired | undefined;
    try {
      acquired = await this.store.tryAcquire({
        workerId,
        owner: this.owner,
        nowMs,
        expiresAt: nowMs + this.ttlMs,
        info: this.info,
      });
    } catch (error) {
      this.failed(this.metrics?.acquisitions, error);
      throw error;
    }
    if (!acquired) {
      this.metrics?.acquisitions.inc({ result: "conflict" });
      return false;
    }
    this.lastFull = false;
    this.lease = acquired.lease;
    this.floorMs = acquired.previousExpiresAt ?? 0;
    this.generator.assign(workerId, { floorMs: this.floorMs, limitMs: acquired.lease.expiresAt });
    this.succeeded(this.metrics?.acquisitions);
    this.logger.info(
      {
        workerId,
        namespace: this.store.namespace,
        floorMs: this.floorMs,
        expiresAt: acquired.lease.expiresAt,
      },
      "acquired worker-ID lease",
    );
    return true;
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      this.logger.warn({ err: errorMessage(error) }, "background lease renewal failed");
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timers.clear(this.timer);
    this.timer = this.timers.set(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.refresh();
      this.schedule(this.ttlMs / 3);
    } catch (error) {
      if (this.stopped) return;
      const delayMs = retryDelayMs(error, this.ttlMs, this.failures, this.random);
      const fields = {
        workerId: this.lease?.workerId,
        err: errorMessage(error),
        retryInMs: Math.round(delayMs),
      };
      if (isTransient(error)) this.logger.warn(fields, "lease renewal failed; retrying");
      else this.logger.error(fields, "lease renewal failed; retrying");
      this.schedule(delayMs);
    }
  }

  /** Below this much lease left, `ensure` renews before issuing instead of in the background. */
  private inlineMarginMs(): number {
    return Math.min(this.ttlMs / 10, 1_000);
  }

  private succeeded(counter: LeaseMetrics["acquisitions"] | undefined): void {
    counter?.inc({ result: "success" satisfies WriteResult });
    this.failures = 0;
    this.lastError = undefined;
  }

  private failed(counter: LeaseMetrics["acquisitions"] | undefined, error: unknown): void {
    counter?.inc({ result: "error" satisfies WriteResult });
    this.failures++;
    this.lastError = errorMessage(error);
  }
}
