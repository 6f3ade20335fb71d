// The stores the conformance suite runs against: the in-memory store, DynamoDbLeaseStore on a
// DynamoDB-API server (faults injected at the HTTP layer), and a deliberately broken store.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbLeaseStore } from "../../../src/lease/dynamodb-store.ts";
import { LeaseLostError, LeaseStoreUnavailableError } from "../../../src/lease/errors.ts";
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
import type { Subject } from "./conformance.ts";
import { FaultyHandler } from "./faulty-handler.ts";
import type { TestDynamo } from "./test-store.ts";

/** A store whose next answer is lost after the call took effect (no transport to fault). */
class LossyStore implements LeaseStore {
  loseNext = false;
  private readonly inner: LeaseStore;
  constructor(inner: LeaseStore) {
    this.inner = inner;
  }
  get namespace(): string {
    return this.inner.namespace;
  }
  private async lossy<T>(call: Promise<T>): Promise<T> {
    const result = await call;
    if (!this.loseNext) return result;
    this.loseNext = false;
    throw new LeaseStoreUnavailableError("lease store unavailable: injected lost answer", true);
  }
  bind(binding: NamespaceBinding, nowMs: number): Promise<void> {
    return this.lossy(this.inner.bind(binding, nowMs));
  }
  tryAcquire(request: AcquireRequest): Promise<Acquired | undefined> {
    return this.lossy(this.inner.tryAcquire(request));
  }
  renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    return this.lossy(this.inner.renew(lease, expiresAt, nowMs));
  }
  release(lease: Lease, expiresAt: number, nowMs: number): Promise<void> {
    return this.lossy(this.inner.release(lease, expiresAt, nowMs));
  }
  get(workerId: number): Promise<LeaseRecord | undefined> {
    return this.lossy(this.inner.get(workerId));
  }
  list(range?: WorkerIdRange): Promise<LeaseRecord[]> {
    return this.lossy(this.inner.list(range));
  }
  readBinding(): Promise<NamespaceBinding | undefined> {
    return this.lossy(this.inner.readBinding());
  }
}

type MemoryStoreClass = new (namespace: string, table: MemoryLeaseTable) => LeaseStore;

/** Stores on one fresh MemoryLeaseTable (`Store` may be a broken variant). */
export function memorySubject(Store: MemoryStoreClass = MemoryLeaseStore): Subject {
  const table = new MemoryLeaseTable();
  const a = new LossyStore(new Store("ns", table));
  return {
    a,
    b: new Store("ns", table),
    other: new Store("other", table),
    many: (count) => Array.from({ length: count }, () => new Store("ns", table)),
    faults: {
      loseNextAnswer: () => {
        a.loseNext = true;
      },
    },
    close: () => {},
  };
}

/** DynamoDbLeaseStores on a fresh table; `a` goes through a FaultyHandler (`handler`). */
export async function dynamoSubject(
  db: TestDynamo,
  handler = new FaultyHandler(),
): Promise<Subject> {
  const table = await db.table();
  const clients: DynamoDBClient[] = [];
  const client = (h?: FaultyHandler) => {
    const made = db.client(h);
    clients.push(made);
    return made;
  };
  const store = (namespace: string, c = client()) =>
    new DynamoDbLeaseStore({ client: c, table, namespace });
  const shared = client();
  return {
    a: store("ns", client(handler)),
    b: store("ns", shared),
    other: store("other", shared),
    // A few clients (each up to 50 sockets), so the requests reach the server at once. DynamoDB
    // Local accepts a burst of 200 connections slowly (over 1 s, the production connect timeout).
    many: (count) => {
      const burst = { connectionTimeout: 20_000, requestTimeout: 20_000 };
      const pool = Array.from({ length: 4 }, () => client(new FaultyHandler(burst)));
      return Array.from({ length: count }, (_, i) => store("ns", pool[i % pool.length]));
    },
    faults: {
      loseNextAnswer: () => {
        handler.loseNext++;
      },
      http: {
        throttleNext: (count) => {
          handler.throttleNext += count;
        },
        failNext: (...statuses) => {
          handler.failNext.push(...statuses);
        },
      },
    },
    close: () => {
      for (const c of clients) c.destroy();
    },
  };
}

/**
 * The negative control: a MemoryLeaseStore whose acquire reads, then writes in a second step
 * (like a mock that checks the condition and applies the update separately). Two acquirers can
 * both read "free" before either writes, so both win.
 */
export class NonAtomicLeaseStore extends MemoryLeaseStore {
  private readonly items: Map<number, LeaseRecord>;
  constructor(namespace: string, table: MemoryLeaseTable) {
    super(namespace, table);
    this.items = table.open(namespace).items;
  }

  override async tryAcquire(request: AcquireRequest): Promise<Acquired | undefined> {
    const old = await this.get(request.workerId);
    await new Promise((resolve) => setImmediate(resolve)); // the write is a second round trip
    if (old && old.expiresAt > request.nowMs) return undefined;
    const version = (old?.version ?? 0) + 1;
    const lease = { ...request, version };
    this.items.set(request.workerId, {
      ...{ workerId: request.workerId, owner: request.owner, expiresAt: request.expiresAt },
      ...{ version, host: request.info.host, runtime: request.info.runtime },
      ...{ acquiredAt: request.nowMs, renewedAt: request.nowMs },
    });
    return {
      lease: { workerId: lease.workerId, owner: lease.owner, expiresAt: lease.expiresAt, version },
      previousExpiresAt: old?.expiresAt,
    };
  }
}

/** The second control: renewals and releases that skip the owner and version condition. */
export class UnconditionalRenewStore extends MemoryLeaseStore {
  private readonly items: Map<number, LeaseRecord>;
  constructor(namespace: string, table: MemoryLeaseTable) {
    super(namespace, table);
    this.items = table.open(namespace).items;
  }

  override async renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    const item = this.items.get(lease.workerId);
    if (!item) throw new LeaseLostError(lease.workerId);
    Object.assign(item, { expiresAt: Math.max(expiresAt, item.expiresAt), renewedAt: nowMs });
    item.version++;
    return { ...lease, expiresAt: item.expiresAt, version: item.version };
  }

  override async release(lease: Lease, expiresAt: number): Promise<void> {
    const item = this.items.get(lease.workerId);
    if (!item) throw new LeaseLostError(lease.workerId);
    item.expiresAt = expiresAt;
    item.version++;
  }
}
