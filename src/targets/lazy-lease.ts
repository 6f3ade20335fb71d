import type { ExecutionContext } from "hono";
import type { AppConfig } from "../config.ts";
import {
  createDynamoDbLeaser,
  type DynamoDbClientOptions,
  type HolderInfo,
  type Leaser,
  type LeaseStore,
} from "../lease/index.ts";
import { LazyLeaseHealth, leaseHealthFacts } from "../lease/lazy-health.ts";
import { createServicePusher, type MetricsPusher } from "../metrics/remote-write/index.ts";
import { createService, type LeasingHooks, type Service, type ServiceOptions } from "../service.ts";
import type { Background } from "../service-types.ts";

/** The service's options without its leasing hooks: lazy leasing supplies every one of them. */
export interface LazyLeaseOptions extends Omit<ServiceOptions, keyof LeasingHooks> {
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
  /** The app's fetch. */
  fetch(request: Request, env?: unknown, ctx?: ExecutionContext): Promise<Response>;
  /** Remote-write pusher; undefined without `METRICS_PUSH_URL`. The target decides when to push. */
  pusher: MetricsPusher | undefined;
}

/**
 * The service for targets that come and go (Workers isolates, Lambda environments): with
 * `LEASE_TABLE`, the first request that may issue IDs (`/generate`, authorised when `AUTH_TOKEN`
 * is set) acquires a worker ID and every such request re-checks the lease before issuing
 * (`Leaser.ensure`), so a freeze past `expiresAt` is noticed before the next ID. Nothing else
 * leases: not /health, /decode, /metrics, HEAD, nor a request refused 401.
 */
export function createLazyLeasedService(
  config: AppConfig,
  options: LazyLeaseOptions,
): LazyLeasedService {
  const leaseConfig = config.lease;
  warnIfPublic(config, options);
  if (!leaseConfig) {
    const service = createService(config, options);
    return {
      ...service,
      leaser: undefined,
      fetch: async (r, e, c) => service.app.fetch(r, e, c),
      pusher: pusherFor(config, options, service, crypto.randomUUID()),
    };
  }
  const late: { leaser?: Leaser; health?: LazyLeaseHealth } = {};
  const service = createService(config, {
    ...options,
    beforeIssue: (background) => ensure(background),
    // /health never leases (an uptime prober must not make every isolate it reaches hold a worker
    // ID): it reports the lease held, lapsing or none yet, and for none yet reads the binding.
    beforeHealth: () => (late.health as LazyLeaseHealth).refresh(options.clock.now()),
    healthChecks: [(nowMs) => late.health?.check(nowMs) ?? null],
    leaseOnDemand: true,
    healthFacts: (nowMs) => ({ lease: leaseHealthFacts(late.leaser as Leaser, nowMs) }),
    // /readyz never acquires: an instance without a lease is ready unless the store just failed.
    readinessChecks: [(nowMs) => late.leaser?.readinessCheck(nowMs, "on-demand") ?? null],
  });
  const ensure = async (background: Background): Promise<void> => {
    const leaser = late.leaser as Leaser;
    if (!options.renewInline) return leaser.ensure(background);
    const pending: Promise<unknown>[] = [];
    await leaser.ensure((task) => pending.push(task));
    await Promise.all(pending);
  };
  late.leaser = createDynamoDbLeaser(leaseConfig, {
    generator: service.generator,
    clock: options.clock,
    logger: options.logger,
    registry: service.registry,
    info: options.info,
    credentials: options.credentials,
    store: options.store,
  });
  late.health = new LazyLeaseHealth(late.leaser);
  const fetch = async (request: Request, env?: unknown, ctx?: ExecutionContext) =>
    service.app.fetch(request, env, ctx);
  const pusher = pusherFor(config, options, service, late.leaser.owner);
  return { ...service, leaser: late.leaser, fetch, pusher };
}

/** The instance label is the start of the lease owner, so a pushed series leads to its lease item. */
function pusherFor(config: AppConfig, options: LazyLeaseOptions, service: Service, owner: string) {
  return createServicePusher(config.metricsPush, {
    registry: service.registry,
    clock: options.clock,
    logger: options.logger,
    runtime: options.runtime,
    instance: owner.slice(0, 8),
    workerId: () => service.generator.workerId,
    fetch: (url, init) => fetch(url, init),
  });
}

/**
 * Built on the first request, so this is logged once per isolate or environment, at its first
 * request: without `AUTH_TOKEN` anyone who can reach the URL may issue IDs and, with leasing,
 * make each isolate it reaches hold a worker ID for a TTL (docs/OPERATIONS.md).
 */
function warnIfPublic(config: AppConfig, options: LazyLeaseOptions): void {
  if (config.authToken !== undefined) return;
  const leasing = config.lease
    ? "; every isolate or environment a caller reaches leases a worker ID from the table on its first /generate"
    : "";
  options.logger.warn(
    { public: true, runtime: options.runtime },
    `PUBLIC: AUTH_TOKEN is unset, so /generate and /decode answer anyone${leasing}. Set AUTH_TOKEN unless this is deliberate`,
  );
}
