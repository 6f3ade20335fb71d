// The client and table every test DynamoDB-API server hands out (dynalite and DynamoDB Local alike).
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDynamoDbClient } from "../../../src/lease/dynamodb-client.ts";
import { createLeaseTable } from "../../../src/lease/dynamodb-table.ts";
import type { FaultyHandler } from "./faulty-handler.ts";

export const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * A client for the server at `endpoint`; `handler` replaces the HTTP layer (fault injection,
 * counting). Test clients connect with 20 s, not the service's 1 s: a loopback connect stalls on a
 * starved machine (a JVM starting next door), and DynamoDB Local listens with a backlog of 50, so
 * in a burst of new connections the rest wait for SYN retransmissions (after 1, 3, 7, 15 s;
 * docs/RELIABILITY.md, "Stores").
 */
export function testDynamoClient(endpoint: string, handler?: FaultyHandler): DynamoDBClient {
  return createDynamoDbClient({
    region: "us-east-1",
    endpoint,
    credentials: CREDENTIALS,
    // Options, not a NodeHttpHandler: workerd's global setup loads the SDK's browser build.
    requestHandler: handler ?? { connectionTimeout: 20_000, requestTimeout: 3_000 },
  });
}

/** Creates a lease table with a fresh name on the server at `endpoint` and returns the name. */
export async function createTestTable(endpoint: string, prefix = "leases"): Promise<string> {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const client = testDynamoClient(endpoint);
  await createLeaseTable(client, name, { pollMs: 5 });
  client.destroy();
  return name;
}
