import { Gauge, type Registry } from "prom-client";
import { LEASE_POOL_WORKER_IDS, promOptions } from "./contract.ts";

/**
 * `snowflake_lease_pool_worker_ids{namespace,range}`: how many worker IDs this instance's leases
 * are drawn from, and which (`0-1023`, `0-99,200-255`), so a dashboard can set live leases against
 * it (scraped and pushed alike).
 */
export function registerLeasePoolSize(
  registry: Registry,
  namespace: string,
  workerIds: number,
  range: string,
): void {
  new Gauge({
    ...promOptions(LEASE_POOL_WORKER_IDS),
    registers: [registry],
  }).set({ namespace, range }, workerIds);
}
