import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { isConditionFailure, isReplicatedConflict, storeError } from "./dynamodb-errors.ts";
import {
  BINDING_KEY,
  conditionItem,
  type Item,
  int,
  num,
  queryAll,
  str,
  toRecord,
  WORKER_PREFIX,
  workerKey,
} from "./dynamodb-items.ts";
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
import { checkTableMode, tableModeOnce } from "./table-mode.ts";
import type { WorkerIdRange } from "./worker-range.ts";

// Every attribute name goes through a placeholder: some (`owner`) are DynamoDB reserved words.
const NAMES = {
  "#owner": "owner",
  "#expiresAt": "expiresAt",
  "#version": "version",
};

export { workerKey } from "./dynamodb-items.ts";
export interface DynamoDbLeaseStoreOptions {
  client: DynamoDBClient;
  table: string;
  namespace: string;
  /** `LEASE_WORKER_IDS` is set: an MREC global table is accepted (each region its own range). */
  ranged?: boolean;
}

/**
 * `LeaseStore` on a DynamoDB table with a string partition key `pk` (the namespace) and string
 * sort key `sk` (`worker#0000042`, or `#binding`), so one query lists a namespace's leases.
 * `bind` first reads the table's replication mode (DescribeTable, table-mode.ts).
 */
export class DynamoDbLeaseStore implements LeaseStore {
  readonly namespace: string;
  readonly table: string;
  private readonly client: DynamoDBClient;
  private readonly ranged: boolean;

  constructor(options: DynamoDbLeaseStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.namespace = options.namespace;
    this.ranged = options.ranged ?? false;
  }

  async bind(binding: NamespaceBinding, nowMs: number): Promise<void> {
    checkTableMode(await tableModeOnce(this.client, this.table), this.table, this.ranged);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(BINDING_KEY),
          UpdateExpression:
            "SET #layout = :layout, #epochMs = :epochMs, #createdAt = if_not_exists(#createdAt, :now)",
          ConditionExpression:
            "attribute_not_exists(#pk) OR (#layout = :layout AND #epochMs = :epochMs)",
          ExpressionAttributeNames: {
            "#pk": "pk",
            "#layout": "layout",
            "#epochMs": "epochMs",
            "#createdAt": "createdAt",
          },
          ExpressionAttributeValues: {
            ":layout": { S: binding.layout },
            ":epochMs": num(binding.epochMs),
            ":now": num(nowMs),
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw storeError(error, this.table, "binding the namespace");
      const bound =
        conditionItem(error) ?? (await this.getItem(BINDING_KEY, "reading the namespace binding"));
      throw new NamespaceMismatchError(
        this.namespace,
        bound
          ? describeBinding({ layout: str(bound.layout), epochMs: int(bound.epochMs) })
          : "another layout",
        describeBinding(binding),
      );
    }
  }

  async tryAcquire(request: AcquireRequest): Promise<Acquired | undefined> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(workerKey(request.workerId)),
          UpdateExpression:
            "SET #owner = :owner, #expiresAt = :expiresAt, #version = if_not_exists(#version, :zero) + :one, " +
            "#workerId = :workerId, #host = :host, #runtime = :runtime, #acquiredAt = :now, #renewedAt = :now",
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now",
          ExpressionAttributeNames: {
            ...NAMES,
            "#pk": "pk",
            "#workerId": "workerId",
            "#host": "host",
            "#runtime": "runtime",
            "#acquiredAt": "acquiredAt",
            "#renewedAt": "renewedAt",
          },
          ExpressionAttributeValues: {
            ":owner": { S: request.owner },
            ":expiresAt": num(request.expiresAt),
            ":zero": num(0),
            ":one": num(1),
            ":workerId": num(request.workerId),
            ":host": { S: request.info.host || "unknown" },
            ":runtime": { S: request.info.runtime || "unknown" },
            ":now": num(request.nowMs),
          },
          ReturnValues: "ALL_OLD",
        }),
      );
      const old = result.Attributes;
      const previousExpiresAt = old?.expiresAt ? int(old.expiresAt) : undefined;
      return {
        lease: {
          workerId: request.workerId,
          owner: request.owner,
          expiresAt: request.expiresAt,
          version: (old?.version ? int(old.version) : 0) + 1,
        },
        previousExpiresAt,
      };
    } catch (error) {
      // MRSC: another region wrote the item at the same time; like a held ID, try the next one.
      if (isConditionFailure(error) || isReplicatedConflict(error)) return undefined;
      throw storeError(error, this.table, `acquiring worker ID ${request.workerId}`);
    }
  }

  async renew(lease: Lease, expiresAt: number, nowMs: number): Promise<Lease> {
    const written = await this.writeOwned(lease, "renewing", (version, current) => ({
      expression: "SET #expiresAt = :expiresAt, #version = :next, #renewedAt = :now",
      names: { "#renewedAt": "renewedAt" },
      values: {
        ":expiresAt": num(Math.max(expiresAt, current)),
        ":next": num(version + 1),
        ":now": num(nowMs),
      },
    }));
    return written;
  }

  async release(lease: Lease, expiresAt: number, nowMs: number): Promise<void> {
    await this.writeOwned(lease, "releasing", (version) => ({
      expression: "SET #expiresAt = :expiresAt, #version = :next, #releasedAt = :now",
      names: { "#releasedAt": "releasedAt" },
      values: { ":expiresAt": num(expiresAt), ":next": num(version + 1), ":now": num(nowMs) },
    }));
  }

  async get(workerId: number): Promise<LeaseRecord | undefined> {
    const item = await this.getItem(workerKey(workerId), `reading worker ID ${workerId}`);
    return item ? toRecord(item) : undefined;
  }

  async list(range?: WorkerIdRange): Promise<LeaseRecord[]> {
    const records: LeaseRecord[] = [];
    try {
      if (!range) {
        await queryAll(
          this.client,
          this.table,
          this.namespace,
          "begins_with(#sk, :lo)",
          { ":lo": { S: WORKER_PREFIX } },
          records,
        );
      } else {
        // One query per span: the keys sort by worker ID, so BETWEEN reads exactly the span.
        for (const [lo, hi] of range.spans) {
          const bounds = { ":lo": { S: workerKey(lo) }, ":hi": { S: workerKey(hi) } };
          await queryAll(
            this.client,
            this.table,
            this.namespace,
            "#sk BETWEEN :lo AND :hi",
            bounds,
            records,
          );
        }
      }
    } catch (error) {
      throw storeError(error, this.table, "listing leases");
    }
    return records;
  }

  async readBinding(): Promise<NamespaceBinding | undefined> {
    try {
      // Eventually consistent (half the cost): a binding never changes once written.
      const { Item: bound } = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: this.key(BINDING_KEY) }),
      );
      return bound && { layout: str(bound.layout), epochMs: int(bound.epochMs) };
    } catch (error) {
      throw storeError(error, this.table, "reading the namespace binding");
    }
  }

  /**
   * A write conditioned on owner and version. A failed condition on an item still naming this owner
   * means an earlier write of ours landed without its answer: write again on top. An MRSC replicated
   * conflict (nothing written) retries the same way; if it persists, a retryable error, not a loss.
   */
  private async writeOwned(
    lease: Lease,
    action: string,
    update: (
      version: number,
      currentExpiresAt: number,
    ) => { expression: string; names: Record<string, string>; values: Item },
  ): Promise<Lease> {
    let version = lease.version;
    let current = lease.expiresAt;
    let conflict: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      const { expression, names, values } = update(version, current);
      let failed: Item | undefined;
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key(workerKey(lease.workerId)),
            UpdateExpression: expression,
            ConditionExpression: "#owner = :owner AND #version = :version",
            ExpressionAttributeNames: { ...NAMES, ...names },
            ExpressionAttributeValues: {
              ...values,
              ":owner": { S: lease.owner },
              ":version": num(version),
            },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        const written = values[":expiresAt"];
        return {
          ...lease,
          expiresAt: written ? int(written) : current,
          version: version + 1,
        };
      } catch (error) {
        conflict = isReplicatedConflict(error) ? error : undefined;
        if (!isConditionFailure(error) && !conflict) {
          throw storeError(error, this.table, `${action} worker ID ${lease.workerId}`);
        }
        failed = conditionItem(error);
      }
      // DynamoDB and DynamoDB Local return the item that failed the condition; dynalite does not.
      const item = failed ? toRecord(failed) : await this.get(lease.workerId);
      if (!item || item.owner !== lease.owner) throw new LeaseLostError(lease.workerId);
      version = item.version;
      current = item.expiresAt;
    }
    if (conflict) throw storeError(conflict, this.table, `${action} worker ID ${lease.workerId}`);
    throw new LeaseLostError(lease.workerId);
  }

  private async getItem(sortKey: string, action: string): Promise<Item | undefined> {
    try {
      const result = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: this.key(sortKey), ConsistentRead: true }),
      );
      return result.Item;
    } catch (error) {
      throw storeError(error, this.table, action);
    }
  }

  private key(sortKey: string): Item {
    return { pk: { S: this.namespace }, sk: { S: sortKey } };
  }
}
