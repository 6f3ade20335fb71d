import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.ts";
import { LeaseExpiredError } from "../core/errors.ts";
import type { SnowflakeGenerator } from "../core/generator.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Background, HealthIssue } from "../service-types.ts";
import { Acquirer } from "./acquirer.ts";
import { LeaseLostError } from "./errors.ts";
import { type LeasingMode, leaseHealthIssue, leaseReadinessIssue } from "./health.ts";
import { LeaseMetrics, type LeaseState } from "./metrics.ts";
import { StoreOutcomes } from "./outcomes.ts";
import { errorMessage } from "./policy.ts";
import { RenewalTimer } from "./renewal-timer.ts";
import type { HolderInfo, Lease, LeaseStore } from "./store.ts";
import { shortPeriodMs, type Tenure } from "./tenure.ts";
import { globalTimers, type Timers } from "./timers.ts";
import { leaseRange, type WorkerIdRange } from "./worker-range.ts";

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
  /** `LEASE_WORKER_IDS`: the worker IDs leased (wins over `workerIdCount`; within the layout). */
  workerIds?: WorkerIdRange;
  /** Conditional writes one acquisition may spend before it gives up (default 16). */
  maxAcquireWrites?: number;
}

/**
 * Leases a worker ID for one generator and keeps the fencing rule (docs/ARCHITECTURE.md#fencing):
 * the generator issues only timestamps in `[previous holder's expiresAt, own expiresAt)`. It drives the generator
 * only through `assign`, `extend` and `revoke`; at `expiresAt` without renewal the generator fails
 * closed by itself. What is due when is the held `Tenure`'s `phase` (tenure.ts).
 *
 * Node calls `start()` (acquire, then renew on a timer); Workers and Lambda call `ensure()` before
 * issuing (lazy acquire, renewal on the request path).
 */
export class Leaser {
  readonly owner: string;
  readonly ttlMs: number;
  readonly store: LeaseStore;
  readonly metrics: LeaseMetrics | undefined;
  /** The worker IDs this leaser draws from. */
  readonly range: WorkerIdRange;

  private readonly generator: SnowflakeGenerator;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly acquirer: Acquirer;
  private readonly outcomes = new StoreOutcomes();
  private readonly renewalTimer: RenewalTimer;

  private held: Tenure | undefined;
  private inflight: Promise<void> | undefined;
  /** An acquisition that failed without a lease: `ensure` answers it again until `untilMs`. */
  private refusal: { error: Error; untilMs: number } | undefined;
  /** Set by `stop`: leasing is over. */
  private stopping: Promise<void> | undefined;

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
    this.random = options.random ?? Math.random;
    this.metrics = options.registry
      ? new LeaseMetrics(options.registry, {
          state: () => this.state,
          worker: () => String(this.generator.workerId),
          expiresInSeconds: () =>
            this.tenure ? (this.tenure.expiresAt - this.clock.now()) / 1000 : undefined,
        })
      : undefined;
    this.range = leaseRange(this.generator.layout.maxWorkerId + 1, options);
    this.acquirer = new Acquirer({
      store: this.store,
      layout: this.generator.layout,
      clock: this.clock,
      ttlMs: this.ttlMs,
      owner: this.owner,
      info: { host: options.info?.host ?? "unknown", runtime: options.info?.runtime ?? "unknown" },
      random: this.random,
      range: this.range,
      maxAcquireWrites: options.maxAcquireWrites ?? 16,
      logger: this.logger,
      metrics: this.metrics,
      outcomes: this.outcomes,
    });
    this.renewalTimer = new RenewalTimer(this, {
      clock: this.clock,
      timers: options.timers ?? globalTimers,
      logger: this.logger,
      ttlMs: this.ttlMs,
      random: this.random,
      outcomes: this.outcomes,
    });
  }

  /** The held lease and its timing, if any (a new value on every acquisition and renewal). */
  get tenure(): Tenure | undefined {
    return this.held;
  }

  /** The lease as last written by this instance, if it holds one. */
  get current(): Readonly<Lease> | undefined {
    return this.held?.lease;
  }

  /** The floor of the current lease (previous holder's `expiresAt`). */
  get floor(): number {
    return this.tenure?.floorMs ?? 0;
  }

  /** `held` while the lease covers now, `expired` once past it (or after `stop`), else `acquiring`. */
  get state(): LeaseState {
    if (!this.tenure) return this.stopped ? "expired" : "acquiring";
    return this.tenure.phase(this.clock.now()) === "lapsed" ? "expired" : "held";
  }

  /** The last failed store operation's message, until the next success. */
  get lastStoreError(): string | undefined {
    return this.outcomes.lastError;
  }

  /** The failed acquisition `ensure` still answers from memory at `nowMs`, if any. */
  refusalAt(nowMs: number): Error | undefined {
    return this.refusal && nowMs < this.refusal.untilMs ? this.refusal.error : undefined;
  }

  /** For `AppDeps.healthChecks`: an issue when there is no lease or its renewals are overdue. */
  readonly healthCheck = (nowMs: number): HealthIssue | null =>
    leaseHealthIssue(this.tenure, nowMs, this.stopped, this.outcomes.lastError);

  /** For `AppDeps.readinessChecks` (/readyz); `mode` is how the target leases (health.ts). */
  readinessCheck(nowMs: number, mode: LeasingMode = "at-start"): HealthIssue | null {
    return leaseReadinessIssue(this.tenure, nowMs, this.stopped, this.outcomes.lastError, mode);
  }

  /** Node: acquires (waiting while every worker ID is held), then renews on a timer when due. */
  start(): Promise<void> {
    return this.renewalTimer.start();
  }

  /**
   * Workers and Lambda, before issuing: acquires on first use, then acts on the tenure's phase:
   * nothing while fresh, a renewal in `background` when due, inline when nearly over or lapsed
   * (after a freeze), or when the generator cannot issue now anyway.
   */
  async ensure(background: Background): Promise<void> {
    if (this.stopped) throw new LeaseExpiredError("leasing has stopped");
    const nowMs = this.clock.now();
    const tenure = this.tenure;
    if (tenure) {
      const phase = tenure.phase(nowMs);
      if (phase === "fresh") return;
      if (phase === "renew-in-background" && this.generator.canIssueAt(nowMs)) {
        if (!this.inflight) background(this.refreshQuietly());
        return;
      }
    } else if (this.refusal && nowMs < this.refusal.untilMs) {
      throw this.refusal.error;
    }
    try {
      await this.refresh();
      this.refusal = undefined;
    } catch (error) {
      if (this.tenure && this.generator.canIssueAt(this.clock.now())) return;
      if (!this.tenure && error instanceof Error) {
        this.refusal = { error, untilMs: this.clock.now() + shortPeriodMs(this.ttlMs) };
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

  /** Stops renewing and releases: `expiresAt` just past the last issued timestamp (next holder starts above). */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = this.release();
      this.renewalTimer.stop();
    }
    return this.stopping;
  }

  private get stopped(): boolean {
    return this.stopping !== undefined;
  }

  private async release(): Promise<void> {
    await this.inflight?.catch(() => {});
    this.generator.revoke();
    const tenure = this.tenure;
    this.held = undefined;
    if (!tenure) return;
    const releaseAt = this.releasePoint(tenure);
    try {
      await this.store.release(tenure.lease, releaseAt, this.clock.now());
      this.logger.info(
        { workerId: tenure.workerId, expiresAt: releaseAt },
        "released worker-ID lease",
      );
    } catch (error) {
      this.logger.warn(
        { workerId: tenure.workerId, err: errorMessage(error) },
        "could not release worker-ID lease; it lapses at its expiresAt",
      );
    }
  }

  /** Just past the last issued tick, never below the floor, never beyond the lease. */
  private releasePoint(tenure: Tenure): number {
    let releaseAt = tenure.floorMs;
    const lastIssuedMs = this.generator.lastIssuedMs;
    if (lastIssuedMs !== undefined) {
      releaseAt = Math.max(releaseAt, lastIssuedMs + this.generator.layout.unitMs);
    }
    return Math.min(releaseAt, tenure.expiresAt);
  }

  private async renewOrAcquire(): Promise<void> {
    if (this.stopped) return;
    if (this.tenure) {
      try {
        await this.renew(this.tenure);
        return;
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
      }
    }
    if (this.stopped) return;
    const tenure = await this.acquirer.acquire();
    this.held = tenure;
    this.generator.assign(tenure.workerId, { floorMs: tenure.floorMs, limitMs: tenure.expiresAt });
  }

  private async renew(tenure: Tenure): Promise<void> {
    const nowMs = this.clock.now();
    // Never shorten the stored lease: IDs up to the old expiresAt may already be out.
    const target = Math.max(tenure.expiresAt, nowMs + this.ttlMs);
    const started = this.clock.monotonic();
    try {
      const renewed = tenure.renewed(await this.store.renew(tenure.lease, target, nowMs));
      this.held = renewed;
      this.generator.extend(renewed.expiresAt);
      this.outcomes.succeeded(this.metrics?.renewals);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Taken over: stop issuing at once, before anything else.
        this.generator.revoke();
        this.held = undefined;
        this.metrics?.renewals.inc({ result: "conflict" });
        this.logger.warn(
          { workerId: tenure.workerId },
          "worker-ID lease was taken over; stopped issuing, acquiring another",
        );
      } else {
        this.outcomes.failed(this.metrics?.renewals, error);
      }
      throw error;
    } finally {
      this.metrics?.renewalDuration.observe((this.clock.monotonic() - started) / 1000);
    }
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      this.logger.warn({ err: errorMessage(error) }, "background lease renewal failed");
    }
  }
}
