import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { isConditionFailure, storeError } from "./dynamodb-errors.ts";
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

type Item = Record<string, AttributeValue>;

/** Sort key of the namespace's binding item; `#` sorts before every `worker#` key. */
const BINDING_KEY = "#binding";
const WORKER_PREFIX = "worker#";
// 7 digits hold the largest worker ID a layout allows (20 bits), so keys sort by worker ID.
const WORKER_DIGITS = 7;

// Every attribute name goes through a placeholder: some (`owner`) are DynamoDB reserved words.
const NAMES = {
  "#owner": "owner",
  "#expiresAt": "expiresAt",
  "#version": "version",
};

/**
 * `LeaseStore` on a DynamoDB table with a string partition key `pk` (the namespace) and string
 * sort key `sk` (`worker#0000042`, or `#binding`), so one query lists a namespace's leases.
 */
export class DynamoDbLeaseStore implements LeaseStore {
  readonly namespace: string;
  readonly table: string;
  private readonly client: DynamoDBClient;

  constructor(options: { client: DynamoDBClient; table: string; namespace: string }) {
    this.client = options.client;
    this.table = options.table;
    this.namespace = options.namespace;
  }

  async bind(binding: NamespaceBinding, nowMs: number): Promise<void> {
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
      if (isConditionFailure(error)) return undefined;
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

  async list(): Promise<LeaseRecord[]> {
    const records: LeaseRecord[] = [];
    let startKey: Item | undefined;
    try {
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
            ExpressionAttributeValues: {
              ":pk": { S: this.namespace },
              ":prefix": { S: WORKER_PREFIX },
            },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) records.push(toRecord(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw storeError(error, this.table, "listing leases");
    }
    return records;
  }

  /**
   * A write conditioned on owner and version. If the condition fails but the item still names this
   * owner, an earlier write of ours landed without its answer reaching us: write again on top of it.
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
        if (!isConditionFailure(error)) {
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

/** Sort key of a worker ID's lease item. */
export function workerKey(workerId: number): string {
  return `${WORKER_PREFIX}${String(workerId).padStart(WORKER_DIGITS, "0")}`;
}

function toRecord(item: Item): LeaseRecord {
  const record: LeaseRecord = {
    workerId: int(item.workerId),
    owner: str(item.owner),
    expiresAt: int(item.expiresAt),
    version: int(item.version),
  };
  if (item.host?.S !== undefined) record.host = item.host.S;
  if (item.runtime?.S !== undefined) record.runtime = item.runtime.S;
  if (item.acquiredAt?.N !== undefined) record.acquiredAt = Number(item.acquiredAt.N);
  if (item.renewedAt?.N !== undefined) record.renewedAt = Number(item.renewedAt.N);
  return record;
}

/** The item a failed condition returned (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), if any. */
function conditionItem(error: unknown): Item | undefined {
  const item = (error as { Item?: Item } | undefined)?.Item;
  return item && Object.keys(item).length > 0 ? item : undefined;
}

function num(value: number): AttributeValue {
  return { N: String(value) };
}

function int(value: AttributeValue | undefined): number {
  return value?.N === undefined ? Number.NaN : Number(value.N);
}

function str(value: AttributeValue | undefined): string {
  return value?.S ?? "";
}
