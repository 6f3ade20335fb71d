import type { Clock } from "../core/clock.ts";
import type { Layout } from "../core/layout.ts";
import type { Logger } from "../log.ts";
import { NoFreeWorkerIdError } from "./errors.ts";
import type { LeaseMetrics } from "./metrics.ts";
import type { StoreOutcomes } from "./outcomes.ts";
import { freeWorkerIds } from "./policy.ts";
import type { HolderInfo, LeaseStore } from "./store.ts";
import { Tenure } from "./tenure.ts";
import { nth, type WorkerIdRange } from "./worker-range.ts";

/** Random candidates tried before listing the namespace: in a sparse table the first one is free. */
const BLIND_ATTEMPTS = 2;
/** Times one acquisition lists the namespace again after its picks were taken by others. */
const LIST_ROUNDS = 3;

export interface AcquirerOptions {
  store: LeaseStore;
  layout: Layout;
  clock: Clock;
  ttlMs: number;
  owner: string;
  info: HolderInfo;
  random: () => number;
  /** The worker IDs this instance may lease (`LEASE_WORKER_IDS`, or the layout's whole range). */
  range: WorkerIdRange;
  /** Conditional writes one acquisition may spend before it gives up. */
  maxAcquireWrites: number;
  logger: Logger;
  metrics: LeaseMetrics | undefined;
  outcomes: StoreOutcomes;
}

/**
 * Finds a free worker ID and takes it with one conditional write: two blind random candidates,
 * then listings of the namespace, a bounded number of writes, then `NoFreeWorkerIdError`.
 */
export class Acquirer {
  private readonly options: AcquirerOptions;
  /** The namespace binding, written once per process (retried after a failure). */
  private bound: Promise<void> | undefined;
  /** Last acquisition found every worker ID held: skip the blind attempts next time. */
  private lastFull = false;

  constructor(options: AcquirerOptions) {
    this.options = options;
  }

  /** A new tenure; the caller fences the generator to it. */
  async acquire(): Promise<Tenure> {
    const { store, logger, maxAcquireWrites, range } = this.options;
    const total = range.size;
    await this.bind();
    const tried = new Set<number>();
    let writes = 0;
    if (!this.lastFull) {
      const blind = Math.min(BLIND_ATTEMPTS, total, maxAcquireWrites);
      for (let draw = 0; writes < blind && draw < 4 * BLIND_ATTEMPTS; draw++) {
        const workerId = nth(range, Math.floor(this.options.random() * total));
        if (tried.has(workerId)) continue;
        tried.add(workerId);
        writes++;
        const tenure = await this.tryAcquire(workerId);
        if (tenure) return tenure;
      }
    }
    let held = 0;
    for (let round = 0; round < LIST_ROUNDS && writes < maxAcquireWrites; round++) {
      const free = await this.listFreeWorkerIds();
      held = total - free.length;
      if (free.length === 0) {
        const error = new NoFreeWorkerIdError(store.namespace, held, total, undefined, range.text);
        // One log line when the range fills up, not one per poll while it stays full.
        if (!this.lastFull)
          logger.error(
            { namespace: store.namespace, range: range.text, held, total },
            error.message,
          );
        this.lastFull = true;
        this.options.outcomes.refused(error.message);
        throw error;
      }
      for (const workerId of free) {
        if (writes >= maxAcquireWrites) break;
        writes++;
        const tenure = await this.tryAcquire(workerId);
        if (tenure) return tenure;
      }
    }
    const error = new NoFreeWorkerIdError(
      store.namespace,
      held,
      total,
      `no worker ID acquired in namespace "${store.namespace}" (worker IDs ${range.text}) after ${writes} conditional writes: others took each free ID first`,
      range.text,
    );
    this.options.outcomes.refused(error.message);
    logger.error({ namespace: store.namespace, writes }, error.message);
    throw error;
  }

  private async bind(): Promise<void> {
    const { store, layout, clock } = this.options;
    if (!this.bound) {
      this.bound = store.bind({ layout: layout.name, epochMs: layout.epochMs }, clock.now());
      this.bound.catch(() => {
        this.bound = undefined;
      });
    }
    try {
      await this.bound;
    } catch (error) {
      this.options.outcomes.failed(undefined, error);
      throw error;
    }
  }

  /** Worker IDs without a live lease (by this clock), in random order. */
  private async listFreeWorkerIds(): Promise<number[]> {
    const { store, clock, range, random } = this.options;
    let records: Awaited<ReturnType<LeaseStore["list"]>>;
    try {
      // Only the range's items: one query per span, however sparse the range is in the table.
      records = await store.list(range);
    } catch (error) {
      this.options.outcomes.failed(undefined, error);
      throw error;
    }
    return freeWorkerIds(records, range, clock.now(), random);
  }

  /** One conditional write; the tenure it began, or undefined when the worker ID is held. */
  private async tryAcquire(workerId: number): Promise<Tenure | undefined> {
    const { store, clock, ttlMs, owner, info, metrics, outcomes } = this.options;
    const nowMs = clock.now();
    let acquired: Awaited<ReturnType<LeaseStore["tryAcquire"]>>;
    try {
      acquired = await store.tryAcquire({ workerId, owner, nowMs, expiresAt: nowMs + ttlMs, info });
    } catch (error) {
      outcomes.failed(metrics?.acquisitions, error);
      throw error;
    }
    if (!acquired) {
      metrics?.acquisitions.inc({ result: "conflict" });
      return undefined;
    }
    this.lastFull = false;
    const tenure = Tenure.acquired(acquired, nowMs, ttlMs);
    outcomes.succeeded(metrics?.acquisitions);
    this.options.logger.info(
      {
        workerId,
        namespace: store.namespace,
        floorMs: tenure.floorMs,
        expiresAt: tenure.expiresAt,
      },
      "acquired worker-ID lease",
    );
    return tenure;
  }
}
