import type { AppConfig } from "../config.ts";
import {
  createDynamoDbClient,
  type DynamoDbClientOptions,
  DynamoDbLeaseStore,
  type HolderInfo,
  Leaser,
  type LeaseStore,
} from "../lease/index.ts";
import { createService, type Service, type ServiceOptions } from "../service.ts";

export interface LazyLeaseOptions extends Omit<ServiceOptions, "beforeIssue" | "healthChecks"> {
  /** Written into the lease item so operators can find the holder. */
  info: HolderInfo;
  /** Explicit AWS credentials (Workers bindings); unset means the SDK's default chain (Lambda). */
  credentials?: DynamoDbClientOptions["credentials"];
  /** A store instead of the DynamoDB table (tests). */
  store?: LeaseStore;
  /**
   * Await leasing's background renewals before issuing. Lambda freezes the environment as soon as
   * the response is returned, so work left running would only resume (and likely fail) on thaw.
   */
  renewInline?: boolean;
}

export interface LazyLeasedService extends Service {
  /** Undefined with a static `WORKER_ID`. */
  leaser: Leaser | undefined;
}

/**
 * The service for targets that come and go (Workers isolates, Lambda environments): with
 * `LEASE_TABLE`, the first request acquires a worker ID and every request re-checks the lease
 * before issuing (`Leaser.ensure`), so a freeze past `expiresAt` is noticed before the next ID.
 */
export function createLazyLeasedService(
  config: AppConfig,
  options: LazyLeaseOptions,
): LazyLeasedService {
  const leaseConfig = config.lease;
  if (!leaseConfig) return { ...createService(config, options), leaser: undefined };
  const late: { leaser?: Leaser } = {};
  const service = createService(config, {
    ...options,
    beforeIssue: async (background) => {
      const leaser = late.leaser as Leaser;
      if (!options.renewInline) return leaser.ensure(background);
      const pending: Promise<unknown>[] = [];
      await leaser.ensure((task) => pending.push(task));
      await Promise.all(pending);
    },
    healthChecks: [(nowMs) => late.leaser?.healthCheck(nowMs) ?? null],
  });
  const store =
    options.store ??
    new DynamoDbLeaseStore({
      client: createDynamoDbClient({
        region: leaseConfig.region,
        endpoint: leaseConfig.endpoint,
        credentials: options.credentials,
      }),
      table: leaseConfig.table,
      namespace: leaseConfig.namespace,
    });
  late.leaser = new Leaser({
    store,
    generator: service.generator,
    clock: options.clock,
    ttlMs: leaseConfig.ttlMs,
    logger: options.logger,
    registry: service.registry,
    info: options.info,
  });
  return { ...service, leaser: late.leaser };
}
