// The lease protocol, model-checked (issue 8): three holders with skewed clocks acquire, renew,
// release, crash, pause past the TTL and meet store faults, with every store request and answer
// interleaved by fast-check's scheduler; no two holders ever issue the same ID, and each ID lies
// inside its holder's lease as the store granted it. MODEL_RUNS / MODEL_DYNALITE_RUNS set the
// number of runs, MODEL_SEED replays one (`npm run model:dynalite` is the long dynalite variant).
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { MemoryLeaseStore, MemoryLeaseTable } from "../../src/lease/memory-store.ts";
import type { LeaseStore } from "../../src/lease/store.ts";
import { CLASSIC, NOW } from "./support/instances.ts";
import {
  emptyStats,
  HOLDERS,
  type ModelStats,
  ProtocolModel,
  ProtocolReal,
  protocolCommands,
} from "./support/protocol-model.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

const TTL = 1_000;
// 250 ms ticks (a quarter of the TTL): lease ends fall inside ticks, so rounding the fence to
// ticks is exercised too.
const COARSE = createLayout("custom:44/4/15/250", DEFAULT_EPOCH_MS, NOW);
const MEMORY_RUNS = Number(process.env.MODEL_RUNS ?? 1_000);
const DYNALITE_RUNS = Number(process.env.MODEL_DYNALITE_RUNS ?? 40);
// A fresh seed per run unless replaying; printed with the figures either way.
const SEED = Number(process.env.MODEL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MAX_COMMANDS = 60;

/** One run per generated case: a fresh table (or namespace) from `store(run)`. */
function protocolProperty(stats: ModelStats, store: (run: number) => () => LeaseStore) {
  return fc.asyncProperty(
    fc.scheduler(),
    fc.constantFrom(CLASSIC, COARSE),
    fc.integer({ min: 1, max: 2 }), // worker IDs: fewer than holders, so leases change hands
    fc.array(fc.integer({ min: -2 * TTL, max: 2 * TTL }), {
      minLength: HOLDERS,
      maxLength: HOLDERS,
    }),
    fc.integer(),
    fc.commands(protocolCommands(TTL), { maxCommands: MAX_COMMANDS, size: "max" }),
    async (scheduler, layout, workerIdCount, skewsMs, seed, commands) => {
      stats.runs++;
      const model = new ProtocolModel(layout, stats);
      const real = new ProtocolReal({
        setup: { layout, ttlMs: TTL, workerIdCount, startMs: NOW, skewsMs, seed },
        model,
        scheduler,
        store: store(stats.runs),
      });
      await fc.scheduledModelRun(scheduler, () => ({ model, real }), commands);
      await real.drain();
      stats.scheduledSteps += scheduler
        .report()
        .filter((task) => / (request|answer)$|^sleep /.test(task.label)).length;
      model.finish();
    },
  );
}

function report(name: string, stats: ModelStats, startedMs: number): void {
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  console.log(
    `lease protocol model (${name}, seed ${SEED}): ${JSON.stringify(stats)} in ${seconds} s`,
  );
}

describe("lease protocol, model-checked", () => {
  it(`memory store: fencing holds in every explored interleaving (${MEMORY_RUNS} runs)`, async () => {
    const stats = emptyStats();
    const started = performance.now();
    await fc.assert(
      protocolProperty(stats, () => {
        const table = new MemoryLeaseTable();
        return () => new MemoryLeaseStore("ns", table);
      }),
      { numRuns: MEMORY_RUNS, seed: SEED },
    );
    report("memory", stats, started);
  }, 300_000);

  describe("dynalite", () => {
    let db: TestDynamo;
    let client: DynamoDBClient;
    let table: string;
    beforeAll(async () => {
      db = await startTestStore();
      client = db.client();
      table = await db.table("model");
    });
    afterAll(async () => {
      client?.destroy();
      await db?.dispose();
    });

    it(`DynamoDB store on dynalite: fencing holds in every explored interleaving (${DYNALITE_RUNS} runs)`, async () => {
      const stats = emptyStats();
      const started = performance.now();
      await fc.assert(
        protocolProperty(stats, (run) => {
          const namespace = `model-${run}`;
          return () => new DynamoDbLeaseStore({ client, table, namespace });
        }),
        { numRuns: DYNALITE_RUNS, seed: SEED },
      );
      report("dynalite", stats, started);
    }, 3_600_000);
  });
});
