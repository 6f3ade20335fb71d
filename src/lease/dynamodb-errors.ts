import { LeaseStoreUnavailableError } from "./errors.ts";

// Errors worth trying again: throttling, server trouble and the network (no HTTP status at all).
const RETRYABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "LimitExceededException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  // MRSC global tables: a concurrent write to the item in another region won; nothing was written.
  "ReplicatedWriteConflictException",
]);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an SDK error is the failed condition of a conditional write. */
export function isConditionFailure(error: unknown): boolean {
  return (error as SdkErrorShape | undefined)?.name === "ConditionalCheckFailedException";
}

/**
 * Whether an SDK error is an MRSC replicated write conflict: the write did not happen because a
 * concurrent write to the same item in another region did. Acquire treats it as a conflict (the
 * worker ID is being taken: try the next one); renew and release re-read and retry.
 */
export function isReplicatedConflict(error: unknown): boolean {
  return (error as SdkErrorShape | undefined)?.name === "ReplicatedWriteConflictException";
}

/** Wraps an SDK or network error in a typed error that says whether retrying can help. */
export function storeError(
  error: unknown,
  table: string,
  action: string,
): LeaseStoreUnavailableError {
  const shape = (error ?? {}) as SdkErrorShape;
  const name = typeof shape.name === "string" ? shape.name : "Error";
  const status = shape.$metadata?.httpStatusCode;
  const code = typeof shape.code === "string" ? shape.code : undefined;
  const retryable =
    RETRYABLE_NAMES.has(name) ||
    (status !== undefined && status >= 500) ||
    (status === undefined && name !== "CredentialsProviderError");
  let message = `${name}${code && code !== name ? ` ${code}` : ""}`;
  if (name === "ResourceNotFoundException") {
    message = `table "${table}" does not exist (create it with npm run table:create)`;
  } else if (typeof shape.message === "string" && shape.message !== "") {
    message += `: ${shape.message.slice(0, 200)}`;
  }
  return new LeaseStoreUnavailableError(
    `lease store unavailable (${action} in DynamoDB table "${table}"): ${message}`,
    retryable,
    error,
  );
}
