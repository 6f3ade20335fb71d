import { LeaseLostError, NamespaceMismatchError } from "./errors.ts";
import {
  type Acquired,
  type AcquireRequest,
  describeBinding,
  type Lease,
  type LeaseRecord,
  type LeaseStore,
  type NamespaceBinding,
} from "./store.ts";
import { contains, type WorkerIdRange } from "./worker-range.ts";

interface MemoryNamespace {
  binding?: NamespaceBinding;
  items: Map<number, LeaseRecord>;
}

/** The in-memory stand-in for the DynamoDB table; share one between stores to model several instances. */
export class MemoryLeaseTable {
  readonly namespaces = new Map<string, MemoryNamespace>();

  /** The namespace's items and binding, created empty on first use. */
  open(namespace: string): MemoryNamespace {
    let entry = this.namespaces.get(namespace);
    if (!entry) {
      entry = { items: new Map() };
      this.namespaces.set(namespace, entry);
    }
    return entry;
  }
}

/**
 * `LeaseStore` in process memory with the DynamoDB store's semantics (the embedded default).
 * Every method body runs without an await, so each write is atomic like a conditional write.
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly namespace: string;
  private readonly entry: MemoryNamespace;

  constructor(namespace = "edgeflake", table = new MemoryLeaseTable()) {
    this.namespace = namespace;
    this.entry = table.open(namespace);
  }

  async bind(binding: NamespaceBinding): Promise<void> {
    const bound = this.entry.binding;
    if (!bound) {
      this.entry.binding = { ...binding };
      return;
    }
    if (bound.layout !== binding.layout || bound.epochMs !== binding.epochMs) {
      throw new NamespaceMismatchError(
        this.namespace,
        describeBinding(bound),
        describeBinding(binding),
      );
    }
  }

  async tryAcquire(request: AcquireRequest): Promise<Acquired | undefined> {
    const old = this.entry.items.get(request.workerId);
    if (old && old.expiresAt > request.nowMs) return undefined;
    const record: LeaseRecord = {
      workerId: request.workerId,
      owner: request.owner,
      expiresAt: request.expiresAt,
      version: (old?.version ?? 0) + 1,
      host: request.info.host,
      runtime: request.info.runtime,
      acquiredAt: request.nowMs,
      renewedAt: request.nowMs,
    };
    this.entry.items.set(request.workerId, record);
    return { lease: toLease(record), previousExpiresAt: old?.expiresAt };
  }

  async renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    const item = this.owned(lease);
    item.expiresAt = Math.max(expiresAt, item.expiresAt);
    item.version++;
    item.renewedAt = nowMs;
    return toLease(item);
  }

  async release(lease: Lease, expiresAt: number): Promise<void> {
    const item = this.owned(lease);
    item.expiresAt = expiresAt;
    item.version++;
  }

  async get(workerId: number): Promise<LeaseRecord | undefined> {
    const item = this.entry.items.get(workerId);
    return item ? { ...item } : undefined;
  }

  async list(range?: WorkerIdRange): Promise<LeaseRecord[]> {
    return [...this.entry.items.values()]
      .filter((item) => !range || contains(range, item.workerId))
      .sort((a, b) => a.workerId - b.workerId)
      .map((item) => ({ ...item }));
  }

  async readBinding(): Promise<NamespaceBinding | undefined> {
    return this.entry.binding && { ...this.entry.binding };
  }

  /** The item if this owner still holds it (a same-owner version gap is our own earlier write). */
  private owned(lease: Lease): LeaseRecord {
    const item = this.entry.items.get(lease.workerId);
    if (!item || item.owner !== lease.owner) throw new LeaseLostError(lease.workerId);
    return item;
  }
}

function toLease(record: LeaseRecord): Lease {
  return {
    workerId: record.workerId,
    owner: record.owner,
    expiresAt: record.expiresAt,
    version: record.version,
  };
}
