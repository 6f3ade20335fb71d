// Two regions of an MREC global table, modelled: each region's memory table takes conditional
// writes atomically, and every write reaches the other region later, resolved last writer wins.
import type { Clock } from "../../../src/core/clock.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../../src/lease/memory-store.ts";
import type {
  Acquired,
  AcquireRequest,
  Lease,
  LeaseRecord,
  LeaseStore,
  NamespaceBinding,
} from "../../../src/lease/store.ts";
import type { WorkerIdRange } from "../../../src/lease/worker-range.ts";

const NAMESPACE = "edgeflake";

interface Pending {
  to: number;
  deliverAtMs: number;
  workerId: number;
  record: LeaseRecord;
  /** Last writer wins by this (write time, then region), as DynamoDB's MREC does by time. */
  stamp: [number, number];
}

/** The replicator between region 0 and region 1, with a delay per write chosen by `delayMs`. */
export class Replicator {
  readonly tables = [new MemoryLeaseTable(), new MemoryLeaseTable()];
  private readonly stamps = [
    new Map<number, [number, number]>(),
    new Map<number, [number, number]>(),
  ];
  private pending: Pending[] = [];
  private readonly clock: Clock;
  private readonly delayMs: () => number;

  constructor(clock: Clock, delayMs: () => number) {
    this.clock = clock;
    this.delayMs = delayMs;
  }

  /** A store on region `region`'s table whose writes replicate to the other region. */
  store(region: number): LeaseStore {
    return new RegionalStore(this, region);
  }

  /** A local write landed: stamp it, and send it to the other region. */
  wrote(region: number, record: LeaseRecord): void {
    const now = this.clock.now();
    const stamp: [number, number] = [now, region];
    this.stamps[region]?.set(record.workerId, stamp);
    const to = 1 - region;
    this.pending.push({
      to,
      deliverAtMs: now + this.delayMs(),
      workerId: record.workerId,
      record: { ...record },
      stamp,
    });
  }

  /** Applies every replicated write due by now, last writer wins. */
  deliverDue(): void {
    const now = this.clock.now();
    const due = this.pending.filter((p) => p.deliverAtMs <= now);
    this.pending = this.pending.filter((p) => p.deliverAtMs > now);
    for (const p of due) {
      const local = this.stamps[p.to]?.get(p.workerId);
      if (local && (local[0] > p.stamp[0] || (local[0] === p.stamp[0] && local[1] > p.stamp[1])))
        continue;
      this.stamps[p.to]?.set(p.workerId, p.stamp);
      this.tables[p.to]?.open(NAMESPACE).items.set(p.workerId, { ...p.record });
    }
  }
}

/** A region's store: the memory store's atomic conditional writes, each one then replicated. */
class RegionalStore implements LeaseStore {
  readonly namespace = NAMESPACE;
  private readonly inner: MemoryLeaseStore;
  private readonly replicator: Replicator;
  private readonly region: number;

  constructor(replicator: Replicator, region: number) {
    this.replicator = replicator;
    this.region = region;
    this.inner = new MemoryLeaseStore(NAMESPACE, replicator.tables[region]);
  }

  bind(binding: NamespaceBinding, nowMs: number): Promise<void> {
    void nowMs;
    return this.inner.bind(binding);
  }

  async tryAcquire(request: AcquireRequest): Promise<Acquired | undefined> {
    const acquired = await this.inner.tryAcquire(request);
    if (acquired) await this.replicate(request.workerId);
    return acquired;
  }

  async renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    const renewed = await this.inner.renew(lease, expiresAt, nowMs);
    await this.replicate(lease.workerId);
    return renewed;
  }

  async release(lease: Lease, expiresAt: number, nowMs: number): Promise<void> {
    void nowMs;
    await this.inner.release(lease, expiresAt);
    await this.replicate(lease.workerId);
  }

  get(workerId: number): Promise<LeaseRecord | undefined> {
    return this.inner.get(workerId);
  }

  list(range?: WorkerIdRange): Promise<LeaseRecord[]> {
    return this.inner.list(range);
  }

  readBinding(): Promise<NamespaceBinding | undefined> {
    return this.inner.readBinding();
  }

  private async replicate(workerId: number): Promise<void> {
    const record = await this.inner.get(workerId);
    if (record) this.replicator.wrote(this.region, record);
  }
}
