import type { Registry } from "prom-client";
import type { LeaseConfig } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import type { SnowflakeGenerator } from "../core/generator.ts";
import type { Logger } from "../log.ts";
import { registerLeasePoolSize } from "../metrics/lease-pool.ts";
import { createDynamoDbClient, type DynamoDbClientOptions } from "./dynamodb-client.ts";
import { DynamoDbLeaseStore } from "./dynamodb-store.ts";
import { Leaser } from "./leaser.ts";
import type { HolderInfo, LeaseStore } from "./store.ts";
import { fullRange } from "./worker-range.ts";

export { createDynamoDbClient, type DynamoDbClientOptions } from "./dynamodb-client.ts";
export { DynamoDbLeaseStore, workerKey } from "./dynamodb-store.ts";
export { createLeaseTable, leaseTableDefinition } from "./dynamodb-table.ts";
export {
  LeaseLostError,
  LeaseStoreUnavailableError,
  NamespaceMismatchError,
  NoFreeWorkerIdError,
  UnsafeLeaseTableError,
} from "./errors.ts";
export { Leaser, type LeaserOptions } from "./leaser.ts";
export { MemoryLeaseStore, MemoryLeaseTable } from "./memory-store.ts";
export { LEASE_STATES, type LeaseState } from "./metrics.ts";
export type {
  Acquired,
  AcquireRequest,
  HolderInfo,
  Lease,
  LeaseRecord,
  LeaseStore,
  NamespaceBinding,
} from "./store.ts";
export { readTableMode, type TableMode } from "./table-mode.ts";
export { type Phase, shortPeriodMs, Tenure } from "./tenure.ts";
export { globalTimers, type Timers } from "./timers.ts";
export { fullRange, parseWorkerIds, type WorkerIdRange } from "./worker-range.ts";

export interface LeaserDeps {
  generator: SnowflakeGenerator;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  info: HolderInfo;
  /** Explicit credentials (for example read from Workers bindings); default: the AWS chain. */
  credentials?: DynamoDbClientOptions["credentials"];
  /** A store instead of the DynamoDB table (tests). */
  store?: LeaseStore;
}

/** The leaser a target uses when `LEASE_TABLE` is set: DynamoDB store, metrics on `registry`. */
export function createDynamoDbLeaser(config: LeaseConfig, deps: LeaserDeps): Leaser {
  const range = config.workerIds ?? fullRange(deps.generator.layout.maxWorkerId + 1);
  registerLeasePoolSize(deps.registry, config.namespace, range.size, range.text);
  const store =
    deps.store ??
    new DynamoDbLeaseStore({
      client: createDynamoDbClient({
        region: config.region,
        endpoint: config.endpoint,
        credentials: deps.credentials,
      }),
      table: config.table,
      namespace: config.namespace,
      ranged: config.workerIds !== undefined,
    });
  return new Leaser({
    store,
    generator: deps.generator,
    clock: deps.clock,
    ttlMs: config.ttlMs,
    logger: deps.logger,
    registry: deps.registry,
    info: deps.info,
    workerIds: range,
  });
}
