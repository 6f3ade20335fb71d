// `npm run table:create`: creates the lease table named by LEASE_TABLE (idempotent), honouring
// AWS_REGION and DYNAMODB_ENDPOINT. Same definition as infra/dynamodb/lease-table.yml.
import { ConfigError, parseConfig } from "../src/config.ts";
import { createDynamoDbClient } from "../src/lease/dynamodb-client.ts";
import { createLeaseTable } from "../src/lease/dynamodb-table.ts";
import { localCredentials } from "../src/lease/node.ts";

async function main(): Promise<number> {
  let lease: ReturnType<typeof parseConfig>["lease"];
  try {
    lease = parseConfig(process.env, Date.now()).lease;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    return 1;
  }
  if (!lease) {
    process.stderr.write("LEASE_TABLE is not set: name the table to create\n");
    return 1;
  }
  const client = createDynamoDbClient({
    region: lease.region,
    endpoint: lease.endpoint,
    credentials: localCredentials(lease.endpoint),
    requestTimeoutMs: 10_000,
  });
  const where = lease.endpoint ?? `region ${lease.region}`;
  try {
    const created = await createLeaseTable(client, lease.table);
    process.stdout.write(
      created
        ? `created lease table "${lease.table}" (on-demand) at ${where}\n`
        : `lease table "${lease.table}" already exists at ${where}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(
      `could not create lease table "${lease.table}" at ${where}: ${String(error)}\n`,
    );
    return 1;
  } finally {
    client.destroy();
  }
}

process.exitCode = await main();
