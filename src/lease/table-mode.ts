// Global tables: whether conditional writes on the lease table are safe, read once at bind.
import {
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { storeError } from "./dynamodb-errors.ts";
import { UnsafeLeaseTableError } from "./errors.ts";

/** How the table replicates, as DescribeTable reports it. */
export type TableMode =
  | { kind: "single-region" }
  | { kind: "strong"; regions: string[] }
  | { kind: "eventual"; regions: string[] };

/**
 * The table's replication mode. MREC (the default for global tables) resolves concurrent writes by
 * last writer wins: a conditional write is only as good as the region it ran in, so two regions
 * can grant one worker ID to two holders. MRSC (`MultiRegionConsistency: STRONG`) keeps
 * conditional writes safe everywhere.
 */
export async function readTableMode(client: DynamoDBClient, table: string): Promise<TableMode> {
  let description: TableDescription | undefined;
  try {
    ({ Table: description } = await client.send(new DescribeTableCommand({ TableName: table })));
  } catch (error) {
    const wrapped = storeError(error, table, "reading the table's replication mode");
    if (wrapped.retryable) throw wrapped;
    // Access denied, or anything else that will not pass by waiting: the mode stays unknown.
    throw new UnsafeLeaseTableError(
      `cannot read the replication mode of lease table "${table}" (DescribeTable: ${wrapped.message}); grant dynamodb:DescribeTable on the table: leasing refuses a table it cannot judge`,
    );
  }
  const regions = (description?.Replicas ?? []).map((r) => r.RegionName ?? "?");
  if (!description || regions.length === 0) return { kind: "single-region" };
  const consistency = description.MultiRegionConsistency;
  if (consistency === "STRONG") return { kind: "strong", regions };
  if (consistency === "EVENTUAL" || consistency === undefined) return { kind: "eventual", regions };
  throw new UnsafeLeaseTableError(
    `lease table "${table}" has replicas (${regions.join(", ")}) in an unknown consistency mode "${consistency}": leasing refuses a table it cannot judge`,
  );
}

// One DescribeTable per client and table (the instances of a process share both); a failed read is
// forgotten, so the next bind asks again.
const modes = new WeakMap<DynamoDBClient, Map<string, Promise<TableMode>>>();

/** `readTableMode`, shared by every store on `client` while it succeeds. */
export function tableModeOnce(client: DynamoDBClient, table: string): Promise<TableMode> {
  const byTable = modes.get(client) ?? new Map<string, Promise<TableMode>>();
  modes.set(client, byTable);
  let mode = byTable.get(table);
  if (!mode) {
    mode = readTableMode(client, table);
    byTable.set(table, mode);
    mode.catch(() => byTable.delete(table));
  }
  return mode;
}

/**
 * Refuses an MREC global table unless this instance leases from its own range
 * (`LEASE_WORKER_IDS`): each region then writes only its own items, and last writer wins never
 * has two writers of one item (docs/OPERATIONS.md, multi-region).
 */
export function checkTableMode(mode: TableMode, table: string, ranged: boolean): void {
  if (mode.kind !== "eventual" || ranged) return;
  throw new UnsafeLeaseTableError(
    `lease table "${table}" is a global table replicated with eventual consistency (MREC, regions ${mode.regions.join(", ")}): last writer wins can grant one worker ID to two instances. Use multi-region strong consistency (MRSC), or give each region its own disjoint LEASE_WORKER_IDS and its regional endpoint`,
  );
}
