// Global tables: the replication mode read at bind (descriptions injected at the SDK client, since
// real global tables cannot run here), and MRSC's ReplicatedWriteConflictException per write.
import type { DynamoDBClient, TableDescription } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { LeaseStoreUnavailableError, UnsafeLeaseTableError } from "../../src/lease/errors.ts";
import { parseWorkerIds } from "../../src/lease/worker-range.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { type Dynalite, startDynalite } from "./support/dynalite.ts";
import { instance, NOW, TTL } from "./support/instances.ts";

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.stop());

type Fault = (command: string) => Error | undefined;

/**
 * A dynalite client whose DescribeTable answer is replaced by `Table` (`"denied"`: an
 * AccessDeniedException), and whose other commands may be failed by `fault`. Every command name
 * that reached the client is recorded.
 */
function injected(
  description: Partial<TableDescription> | "denied" | undefined,
  fault: Fault = () => undefined,
): { client: DynamoDBClient; sent: string[] } {
  const client = db.client();
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, "");
      sent.push(command);
      if (command === "DescribeTable" && description !== undefined) {
        if (description === "denied") {
          throw sdkError("AccessDeniedException", 400, "not authorized to DescribeTable");
        }
        const real = await next(args);
        const output = real.output as { Table: TableDescription };
        return {
          ...real,
          output: { ...output, Table: { ...output.Table, ...description } } as typeof real.output,
        };
      }
      const error = fault(command);
      if (error) throw error;
      return next(args);
    },
    { step: "initialize", name: "inject-table-description" },
  );
  return { client, sent };
}

function sdkError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const REPLICAS = [{ RegionName: "eu-west-1" }, { RegionName: "us-east-1" }];

async function bindWith(client: DynamoDBClient, ranged: boolean) {
  const table = await db.table();
  const store = new DynamoDbLeaseStore({ client, table, namespace: "ns", ranged });
  const workerIds = ranged ? parseWorkerIds("0-99") : undefined;
  const a = instance(store, new FakeClock(NOW), { workerIds });
  return {
    store,
    a,
    result: await a.leaser.refresh().then(
      () => "leased",
      (e: unknown) => e,
    ),
  };
}

describe("the table's replication mode, read at bind", () => {
  it("a single-region table leases as before", async () => {
    const { client, sent } = injected(undefined);
    expect((await bindWith(client, false)).result).toBe("leased");
    expect(sent[0]).toBe("DescribeTable");
  });

  it("MREC replicas without a range: refused with a clear typed error, before any write", async () => {
    for (const mode of [{ MultiRegionConsistency: "EVENTUAL" as const }, {}]) {
      const { client, sent } = injected({ Replicas: REPLICAS, ...mode });
      const { result } = await bindWith(client, false);
      expect(result).toBeInstanceOf(UnsafeLeaseTableError);
      expect(result).toMatchObject({ code: "UNSAFE_LEASE_TABLE" });
      expect((result as Error).message).toMatch(
        /eventual consistency \(MREC, regions eu-west-1, us-east-1\)/,
      );
      expect((result as Error).message).toMatch(/LEASE_WORKER_IDS/);
      expect(sent).toEqual(["DescribeTable"]);
    }
  });

  it("MREC replicas with a range configured: leases (each region its own range)", async () => {
    const { client } = injected({ Replicas: REPLICAS, MultiRegionConsistency: "EVENTUAL" });
    const { result, a } = await bindWith(client, true);
    expect(result).toBe("leased");
    expect(a.generator.workerId).toBeLessThan(100);
  });

  it("MRSC replicas lease without a range", async () => {
    const { client } = injected({ Replicas: REPLICAS, MultiRegionConsistency: "STRONG" });
    expect((await bindWith(client, false)).result).toBe("leased");
  });

  it("a mode that cannot be read (DescribeTable denied, unknown mode) is refused", async () => {
    const denied = await bindWith(injected("denied").client, false);
    expect(denied.result).toBeInstanceOf(UnsafeLeaseTableError);
    expect((denied.result as Error).message).toMatch(/grant dynamodb:DescribeTable/);
    const odd = injected({ Replicas: REPLICAS, MultiRegionConsistency: "SOMEDAY" as never });
    expect((await bindWith(odd.client, true)).result).toBeInstanceOf(UnsafeLeaseTableError);
  });

  it("a throttled DescribeTable is a retryable store error, not a refusal", async () => {
    let first = true;
    const { client } = injected(undefined, (command) => {
      if (command !== "DescribeTable" || !first) return undefined;
      first = false;
      return sdkError("ThrottlingException", 400, "slow down");
    });
    const { result, a } = await bindWith(client, false);
    expect(result).toBeInstanceOf(LeaseStoreUnavailableError);
    expect(result).toMatchObject({ retryable: true });
    await a.leaser.refresh(); // the next attempt binds again
    expect(a.leaser.current).toBeDefined();
  });
});

describe("MRSC: ReplicatedWriteConflictException by what the write was", () => {
  const conflict = () =>
    sdkError("ReplicatedWriteConflictException", 400, "replicated write conflict");

  it("acquire: a conflict, like a held worker ID; the next candidate is tried", async () => {
    let updates = 0;
    const { client } = injected({ Replicas: REPLICAS, MultiRegionConsistency: "STRONG" }, (c) =>
      c === "UpdateItem" && ++updates === 2 ? conflict() : undefined,
    );
    const { result, a } = await bindWith(client, false);
    expect(result).toBe("leased");
    expect(updates).toBe(3); // bind, the conflicting candidate, the next one
    const conflicts = (
      await a.registry.getSingleMetric("snowflake_lease_acquisitions_total")?.get()
    )?.values.find((v) => v.labels.result === "conflict")?.value;
    expect(conflicts).toBe(1);
  });

  it("renew and release: re-read and retried; the lease is kept, never reported lost", async () => {
    let failNext = 0;
    const { client } = injected({ Replicas: REPLICAS, MultiRegionConsistency: "STRONG" }, (c) => {
      if (c !== "UpdateItem" || failNext === 0) return undefined;
      failNext--;
      return conflict();
    });
    const table = await db.table();
    const store = new DynamoDbLeaseStore({ client, table, namespace: "ns" });
    const clock = new FakeClock(NOW);
    const a = instance(store, clock);
    await a.leaser.refresh();
    const workerId = a.generator.workerId;
    clock.advance(TTL / 2);
    failNext = 1;
    await a.leaser.refresh();
    expect(a.leaser.current?.expiresAt).toBe(clock.ms + TTL);
    expect(a.generator.workerId).toBe(workerId);

    failNext = 2; // persists: a retryable store error while the lease still runs, not LeaseLost
    const error = await a.leaser.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseStoreUnavailableError);
    expect(error).toMatchObject({ retryable: true });
    expect(a.generator.workerId).toBe(workerId);
    a.generator.next();

    failNext = 1;
    await a.leaser.stop();
    expect((await store.get(workerId))?.expiresAt).toBeLessThan(clock.ms + TTL);
  });
});
