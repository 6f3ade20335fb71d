// Item encoding of the DynamoDB lease store: keys, attribute values, records, paged queries.
import { type AttributeValue, type DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { LeaseRecord } from "./store.ts";

export type Item = Record<string, AttributeValue>;

/** Sort key of the namespace's binding item; `#` sorts before every `worker#` key. */
export const BINDING_KEY = "#binding";
export const WORKER_PREFIX = "worker#";
// 7 digits hold the largest worker ID a layout allows (20 bits), so keys sort by worker ID.
const WORKER_DIGITS = 7;

/** Sort key of a worker ID's lease item. */
export function workerKey(workerId: number): string {
  return `${WORKER_PREFIX}${String(workerId).padStart(WORKER_DIGITS, "0")}`;
}

export function toRecord(item: Item): LeaseRecord {
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

export function num(value: number): AttributeValue {
  return { N: String(value) };
}

export function int(value: AttributeValue | undefined): number {
  return value?.N === undefined ? Number.NaN : Number(value.N);
}

export function str(value: AttributeValue | undefined): string {
  return value?.S ?? "";
}

/** The item a failed condition returned (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), if any. */
export function conditionItem(error: unknown): Item | undefined {
  const item = (error as { Item?: Item } | undefined)?.Item;
  return item && Object.keys(item).length > 0 ? item : undefined;
}

/** Every page of one key-condition query of `namespace` (`#sk` is the sort key), appended to `records`. */
export async function queryAll(
  client: DynamoDBClient,
  table: string,
  namespace: string,
  condition: string,
  values: Item,
  records: LeaseRecord[],
): Promise<void> {
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: `#pk = :pk AND ${condition}`,
        ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
        ExpressionAttributeValues: { ":pk": { S: namespace }, ...values },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) records.push(toRecord(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
