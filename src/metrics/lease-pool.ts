import { Gauge, type Registry } from "prom-client";

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
    name: "snowflake_lease_pool_worker_ids",
    help: "Worker IDs the lease namespace draws from (the layout's worker-ID count)",
    labelNames: ["namespace"],
    registers: [registry],
  }).set({ namespace }, workerIds);
}
