import { Gauge, type Registry } from "prom-client";
import { LEASE_POOL_WORKER_IDS, promOptions } from "./contract.ts";

/**
 * `snowflake_lease_pool_worker_ids{namespace}`: how many worker IDs the namespace's leases are
 * drawn from, so a dashboard can set live leases against it (scraped and pushed alike).
 */
export function registerLeasePoolSize(
  registry: Registry,
  namespace: string,
  workerIds: number,
): void {
  new Gauge({
    ...promOptions(LEASE_POOL_WORKER_IDS),
    registers: [registry],
  }).set({ namespace }, workerIds);
}
