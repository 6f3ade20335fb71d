// The store conformance suite (store-conformance.ts) against every LeaseStore: the in-memory
// store, and DynamoDbLeaseStore on dynalite and on Amazon's DynamoDB Local (LEASE_TEST_STORE,
// default both), plus negative controls the suite must reject.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NamespaceMismatchError } from "../../src/lease/errors.ts";
import { CONFORMANCE_CASES } from "./store-conformance.ts";
import { acquireRequest, CLASSIC, hold, NOW, type Subject } from "./support/conformance.ts";
import {
  dynamoSubject,
  memorySubject,
  NonAtomicLeaseStore,
  UnconditionalRenewStore,
} from "./support/conformance-subjects.ts";
import { FaultyHandler } from "./support/faulty-handler.ts";
import { startTestStore, type TestDynamo, testStoreKinds } from "./support/test-store.ts";

function conformance(open: () => Subject | Promise<Subject>, http: boolean): void {
  for (const c of CONFORMANCE_CASES) {
    if (c.needsHttp && !http) continue; // the in-memory store has no HTTP layer to fault
    it(c.name, async () => {
      const subject = await open();
      try {
        await c.run(subject);
      } finally {
        subject.close();
      }
    });
  }
}

describe("MemoryLeaseStore conforms", () => {
  conformance(() => memorySubject(), false);
});

describe.each(testStoreKinds("both"))("DynamoDbLeaseStore on %s", (kind) => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestStore({ kind, restartable: true });
  });
  afterAll(async () => {
    await db?.dispose();
  });

  describe("conforms", () => {
    conformance(() => dynamoSubject(db), true);
  });

  // DynamoDB and DynamoDB Local return the item that failed a condition
  // (ReturnValuesOnConditionCheckFailure: ALL_OLD); dynalite does not, so the store reads it.
  const honours = kind === "dynamodb-local";
  describe.each([
    [honours ? "the item in the failed answer" : "a GetItem (the store ignores ALL_OLD)", false],
    ["a GetItem when the answer carries no item (stripped)", true],
  ])("after a failed condition, reads the current item from %s", (_path, strip) => {
    const reads = honours && !strip ? [] : ["GetItem"];

    it("renew adopts its own landed write", async () => {
      const handler = new FaultyHandler();
      handler.stripConditionItem = strip;
      const subject = await dynamoSubject(db, handler);
      try {
        const lease = await hold(subject.a, acquireRequest(1, "A"));
        await subject.a.renew(lease, NOW + 1_300, NOW + 300);
        const before = handler.requests.length;
        const adopted = await subject.a.renew(lease, NOW + 1_600, NOW + 600);
        expect(adopted).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1_600, version: 3 });
        expect(handler.requests.slice(before)).toEqual(["UpdateItem", ...reads, "UpdateItem"]);
        expect(handler.conditionItems).toBe(honours ? 1 : 0);
      } finally {
        subject.close();
      }
    });

    it("bind names the bound layout", async () => {
      const handler = new FaultyHandler();
      handler.stripConditionItem = strip;
      const subject = await dynamoSubject(db, handler);
      try {
        await subject.b.bind(CLASSIC, NOW);
        const before = handler.requests.length;
        const mismatch = subject.a.bind({ layout: "sonyflake", epochMs: 0 }, NOW);
        await expect(mismatch).rejects.toBeInstanceOf(NamespaceMismatchError);
        await expect(mismatch).rejects.toThrow(/bound to layout classic with epoch 2025-01-01/);
        // The first bind on a client reads the table's replication mode first (issue #15).
        expect(handler.requests.slice(before)).toEqual(["DescribeTable", "UpdateItem", ...reads]);
      } finally {
        subject.close();
      }
    });
  });

  // Last: the outage the chaos run and the restartable lease tests rely on.
  it("the server stopped (DynamoDB Local: SIGKILL) and started again: same port, same items", async () => {
    const subject = await dynamoSubject(db);
    try {
      await hold(subject.a, acquireRequest(4, "A"));
      const endpoint = db.endpoint;
      await db.stop();
      expect(db.running).toBe(false);
      await expect(subject.b.get(4)).rejects.toMatchObject({ retryable: true });
      await db.start();
      expect(db.running).toBe(true);
      expect(db.endpoint).toBe(endpoint);
      expect(await subject.b.get(4)).toMatchObject({ owner: "A", version: 1 });
    } finally {
      subject.close();
    }
  });
});

/** The names and messages of the cases a broken store fails. */
async function failures(Store: Parameters<typeof memorySubject>[0]) {
  const failed: Record<string, string> = {};
  for (const c of CONFORMANCE_CASES) {
    if (c.needsHttp) continue;
    await c.run(memorySubject(Store)).catch((error: Error) => {
      failed[c.name] = error.message;
    });
  }
  return failed;
}

describe("negative controls: the suite rejects broken stores", () => {
  it("an acquire that is not atomic fails exactly the concurrency cases, with the evidence", async () => {
    const failed = await failures(NonAtomicLeaseStore);
    expect(Object.keys(failed)).toEqual([
      expect.stringMatching(/concurrent acquirers of a free worker ID/),
      expect.stringMatching(/concurrent acquirers of an expired worker ID/),
    ]);
    for (const message of Object.values(failed)) {
      expect(message).toMatch(/200 of 200 acquirers won worker ID 1\d \(racer-0 v\d, racer-1 v\d/);
    }
  });

  it("renewals and releases without the owner condition fail the wrong-owner and takeover cases", async () => {
    const failed = await failures(UnconditionalRenewStore);
    expect(Object.keys(failed)).toEqual([
      expect.stringMatching(/renew or release with the wrong owner/),
      expect.stringMatching(/after a takeover, renew and release with the old lease/),
    ]);
  });
});
