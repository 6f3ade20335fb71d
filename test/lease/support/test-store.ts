// The DynamoDB-API server a lease test runs against, chosen by LEASE_TEST_STORE
// (dynalite | dynamodb-local | both); see README.md, "Testing".
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbLocal } from "../../../scripts/lib/dynamodb-local.ts";
import { createDynamoDbClient } from "../../../src/lease/dynamodb-client.ts";
import { createLeaseTable } from "../../../src/lease/dynamodb-table.ts";
import { CREDENTIALS, startDynalite } from "./dynalite.ts";
import type { FaultyHandler } from "./faulty-handler.ts";

export type TestStoreKind = "dynalite" | "dynamodb-local";
export const TEST_STORE_KINDS: readonly TestStoreKind[] = ["dynalite", "dynamodb-local"];

/** What a lease test needs of a DynamoDB-API server (dynalite and DynamoDB Local alike). */
export interface TestDynamo {
  readonly kind: TestStoreKind;
  readonly endpoint: string;
  /** Whether it answers (between `start()` and `stop()`). */
  readonly running: boolean;
  /** A client for this server; `handler` replaces the HTTP layer (fault injection, counting). */
  client(handler?: FaultyHandler): DynamoDBClient;
  /** Creates a lease table with a fresh name and returns the name. */
  table(prefix?: string): Promise<string>;
  /** An outage: stops answering (the data survives if restartable). */
  stop(): Promise<void>;
  /** Answers again on the same port. */
  start(): Promise<void>;
  /** Stops for good and deletes the data directory. */
  dispose(): Promise<void>;
}

/**
 * The stores LEASE_TEST_STORE names; unset means `fallback`. Files that run against one store
 * take the first (`both` runs them once more against DynamoDB Local, in vitest.config.ts).
 */
export function testStoreKinds(
  fallback: "dynalite" | "both" = "dynalite",
  value = process.env.LEASE_TEST_STORE,
): TestStoreKind[] {
  const chosen = value === undefined || value === "" ? fallback : value;
  if (chosen === "both") return [...TEST_STORE_KINDS];
  if (chosen === "dynalite" || chosen === "dynamodb-local") return [chosen];
  throw new Error(`LEASE_TEST_STORE must be dynalite, dynamodb-local or both, not "${chosen}"`);
}

/** Starts the chosen store (default: the first LEASE_TEST_STORE names) on a free port. */
export async function startTestStore(
  options: { kind?: TestStoreKind; restartable?: boolean } = {},
): Promise<TestDynamo> {
  const kind = options.kind ?? testStoreKinds()[0] ?? "dynalite";
  if (kind === "dynalite") {
    return await startDynalite(options.restartable);
  }
  return new LocalDynamo(await DynamoDbLocal.start({ dbPath: options.restartable || undefined }));
}

/** DynamoDB Local behind the same face as the dynalite helper. */
class LocalDynamo implements TestDynamo {
  readonly kind = "dynamodb-local";
  readonly server: DynamoDbLocal;
  constructor(server: DynamoDbLocal) {
    this.server = server;
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get running(): boolean {
    return this.server.running;
  }

  /**
   * The JVM listens with a backlog of 50: in a burst of new connections the rest wait for SYN
   * retransmissions (after 1, 3, 7, 15 s), past the production connect timeout of 1 s, so test
   * clients wait longer to connect (docs/RELIABILITY.md, "Stores").
   */
  client(handler?: FaultyHandler): DynamoDBClient {
    return createDynamoDbClient({
      region: "us-east-1",
      endpoint: this.endpoint,
      credentials: CREDENTIALS,
      // Options, not a NodeHttpHandler: workerd's global setup loads the SDK's browser build.
      requestHandler: handler ?? { connectionTimeout: 20_000, requestTimeout: 3_000 },
    });
  }

  async table(prefix = "leases"): Promise<string> {
    const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
    const client = this.client();
    await createLeaseTable(client, name, { pollMs: 5 });
    client.destroy();
    return name;
  }

  async stop(): Promise<void> {
    await this.server.stop("SIGKILL");
  }

  async start(): Promise<void> {
    await this.server.restart();
  }

  async dispose(): Promise<void> {
    await this.server.dispose();
  }
}
