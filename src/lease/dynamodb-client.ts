import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

export interface DynamoDbClientOptions {
  region?: string;
  /** `DYNAMODB_ENDPOINT` (dynalite, DynamoDB Local); unset means the region's AWS endpoint. */
  endpoint?: string;
  /** Explicit credentials; unset means the standard AWS chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A custom HTTP handler (tests inject faults here). */
  requestHandler?: DynamoDBClientConfig["requestHandler"];
  /** Per-request timeout in ms (default 3000): a hung request must not outlive a renewal window. */
  requestTimeoutMs?: number;
}

/**
 * A DynamoDB client for leasing. The SDK's own retries are off (`maxAttempts: 1`): the leaser
 * retries with jittered backoff and knows how long its lease still runs, the SDK does not.
 */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  const timeout = options.requestTimeoutMs ?? 3_000;
  const config: DynamoDBClientConfig = {
    maxAttempts: 1,
    requestHandler: options.requestHandler ?? {
      connectionTimeout: Math.min(timeout, 1_000),
      requestTimeout: timeout,
    },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.credentials) config.credentials = options.credentials;
  return new DynamoDBClient(config);
}
