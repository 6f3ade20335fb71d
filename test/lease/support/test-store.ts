// The DynamoDB-API server a lease test runs against, chosen by LEASE_TEST_STORE
// (dynalite | dynamodb-local | both); see README.md, "Testing".
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbLocal } from "../../../scripts/lib/dynamodb-local.ts";
import { startDynalite } from "./dynalite.ts";
import type { FaultyHandler } from "./faulty-handler.ts";
import { createTestTable, testDynamoClient } from "./test-client.ts";

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

  client(handler?: FaultyHandler): DynamoDBClient {
    return testDynamoClient(this.endpoint, handler);
  }

  table(prefix?: string): Promise<string> {
    return createTestTable(this.endpoint, prefix);
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
