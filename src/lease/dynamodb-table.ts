import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

/**
 * The lease table: `pk` (namespace) + `sk` (`worker#0000042` or `#binding`), on-demand billing.
 * Same shape as infra/dynamodb/lease-table.yml. No TTL attribute: items are never deleted, since a
 * deleted item would lose the fence its `expiresAt` carries.
 */
export function leaseTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    BillingMode: "PAY_PER_REQUEST",
  };
}

/**
 * Creates the lease table unless it exists, then waits until it is ACTIVE.
 * Returns whether this call created it.
 */
export async function createLeaseTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<boolean> {
  let created = false;
  try {
    await client.send(new CreateTableCommand(leaseTableDefinition(tableName)));
    created = true;
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceInUseException") throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return created;
    if (Date.now() > deadline) {
      throw new Error(`table "${tableName}" is still ${Table?.TableStatus} after waiting`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
