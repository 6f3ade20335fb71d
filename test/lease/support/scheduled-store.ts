import type { Scheduler } from "fast-check";
import { LeaseStoreUnavailableError } from "../../../src/lease/errors.ts";
import type {
  Acquired,
  AcquireRequest,
  Lease,
  LeaseRecord,
  LeaseStore,
  NamespaceBinding,
} from "../../../src/lease/store.ts";
import type { WorkerIdRange } from "../../../src/lease/worker-range.ts";

/**
 * What one store call may suffer: `unavailable` never reaches the store, `answer-lost` is
 * applied by the store but its holder gets an error instead of the answer.
 */
export type StoreFault = "unavailable" | "answer-lost";

/** A write the store applied, reported the moment it landed (before its answer travels back). */
export type AppliedWrite =
  | { kind: "acquire"; owner: string; workerId: number; acquired: Acquired }
  | { kind: "renew"; owner: string; workerId: number; lease: Lease }
  | { kind: "release"; owner: string; workerId: number; expiresAt: number };

/**
 * A `LeaseStore` whose every call travels through fast-check's scheduler twice: the request
 * (before it reaches the store) and the answer (after the store applied it). The scheduler decides
 * when each leg completes, so requests of several holders land and return in any order, and a
 * holder may act on old news. Faults queued with `inject` hit the next calls of this holder.
 */
export class ScheduledStore implements LeaseStore {
  readonly namespace: string;
  private readonly inner: LeaseStore;
  private readonly scheduler: Scheduler;
  private readonly name: string;
  private readonly faults: StoreFault[];
  private readonly onApplied: (write: AppliedWrite) => void;

  constructor(options: {
    inner: LeaseStore;
    scheduler: Scheduler;
    /** Label in the scheduler's report, e.g. `h1.2` (holder 1, incarnation 2). */
    name: string;
    /** Shared queue: faults survive a restart of the holder. */
    faults: StoreFault[];
    onApplied: (write: AppliedWrite) => void;
  }) {
    this.inner = options.inner;
    this.namespace = options.inner.namespace;
    this.scheduler = options.scheduler;
    this.name = options.name;
    this.faults = options.faults;
    this.onApplied = options.onApplied;
  }

  bind(binding: NamespaceBinding, nowMs: number): Promise<void> {
    return this.call("bind", () => this.inner.bind(binding, nowMs));
  }

  tryAcquire(request: AcquireRequest): Promise<Acquired | undefined> {
    return this.call(`tryAcquire(w${request.workerId}@${request.nowMs})`, async () => {
      const acquired = await this.inner.tryAcquire(request);
      if (acquired) {
        this.onApplied({
          kind: "acquire",
          owner: request.owner,
          workerId: request.workerId,
          acquired,
        });
      }
      return acquired;
    });
  }

  renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    return this.call(`renew(w${lease.workerId} v${lease.version} to ${expiresAt})`, async () => {
      const renewed = await this.inner.renew(lease, expiresAt, nowMs);
      this.onApplied({
        kind: "renew",
        owner: lease.owner,
        workerId: lease.workerId,
        lease: renewed,
      });
      return renewed;
    });
  }

  release(lease: Lease, expiresAt: number, nowMs: number): Promise<void> {
    return this.call(`release(w${lease.workerId} at ${expiresAt})`, async () => {
      await this.inner.release(lease, expiresAt, nowMs);
      this.onApplied({ kind: "release", owner: lease.owner, workerId: lease.workerId, expiresAt });
    });
  }

  get(workerId: number): Promise<LeaseRecord | undefined> {
    return this.call(`get(w${workerId})`, () => this.inner.get(workerId));
  }

  list(range?: WorkerIdRange): Promise<LeaseRecord[]> {
    return this.call("list", () => this.inner.list(range));
  }

  readBinding(): Promise<NamespaceBinding | undefined> {
    return this.call("readBinding", () => this.inner.readBinding());
  }

  private async call<T>(label: string, apply: () => Promise<T>): Promise<T> {
    const fault = this.faults.shift();
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    // The request is one scheduled step that includes the store's work (real I/O for dynalite):
    // the scheduler waits for it, so writes land exactly where the scheduler put them.
    await this.scheduler.scheduleSequence([
      {
        label: `${this.name} ${label} request`,
        builder: async () => {
          if (fault === "unavailable") return;
          try {
            outcome = { ok: true, value: await apply() };
          } catch (error) {
            outcome = { ok: false, error };
          }
        },
      },
    ]).task;
    if (outcome === undefined) {
      throw new LeaseStoreUnavailableError(`injected: ${label} never arrived`, true);
    }
    await this.scheduler.schedule(Promise.resolve(), `${this.name} ${label} answer`);
    if (fault === "answer-lost") {
      throw new LeaseStoreUnavailableError(`injected: answer to ${label} lost`, true);
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
