// The chaos run: Node servers leasing from one dynalite table, a driver pulling IDs from every one of
// them, faults (faults.ts) injected meanwhile, then every received ID checked (check.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { createDynamoDbClient } from "../../src/lease/dynamodb-client.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { createLeaseTable } from "../../src/lease/dynamodb-table.ts";
import { mulberry32 } from "../lib/prng.ts";
import { checkGroup, problemsOf } from "./check.ts";
import { inject } from "./faults.ts";
import { DynaliteProcess, freePort, Incarnation, type Log, onInterrupt } from "./fleet.ts";
import { IdLog } from "./id-log.ts";
import type { ChaosOptions, ChaosReport, FaultKind, GroupSpec } from "./report.ts";
import {
  type Chaos,
  capacityOf,
  fullCapacity,
  type Group,
  pull,
  type Slot,
  sleep,
} from "./state.ts";

const TABLE = "chaos-leases";
/** One round of faults; rounds repeat until the minimum of rounds and of IDs is reached. */
const SEQUENCE: FaultKind[] = [
  "kill",
  "pause",
  "clock-forward",
  "clock-backward",
  "dynalite",
  "kill",
];

/** Runs the chaos scenario; always stops every process it started. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-chaos-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  onInterrupt.add(removeDir);
  const store = new DynaliteProcess(dir);
  const incarnations: Incarnation[] = [];
  let client: ReturnType<typeof createDynamoDbClient> | undefined;
  let chaos: Chaos | undefined;
  try {
    await store.start();
    client = createDynamoDbClient({
      region: "us-east-1",
      endpoint: store.endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await createLeaseTable(client, TABLE, { pollMs: 5 });
    const dynamo = client;
    const groups = options.groups.map((spec) => createGroup(spec, dynamo));
    const run: Chaos = {
      options,
      random: mulberry32(options.seed),
      store,
      groups,
      slots: [],
      narrow: narrowest(groups),
      faults: [],
      watches: [],
      storeRestarts: [],
      refusedByReason: {},
      counters: { refused: 0, connectionErrors: 0, otherErrors: 0, outOfOrder: 0 },
      pulling: true,
      pullStartedAt: 0,
      respawn: (slot) => spawnInto(slot),
    };
    chaos = run;
    const spawnInto = (slot: Slot): Incarnation => {
      const env = {
        LEASE_TABLE: TABLE,
        DYNAMODB_ENDPOINT: store.endpoint,
        LEASE_TTL_MS: String(options.ttlMs),
        LEASE_NAMESPACE: slot.group.namespace,
        LAYOUT: slot.group.layout,
        MAX_BATCH: String(options.batch),
        CLOCK_CONTROL: "unsafe-test-only",
      };
      const onLog = (incarnation: Incarnation, log: Log) => onLeaseLog(run, incarnation, log);
      const incarnation = new Incarnation(incarnations.length, slot.index, slot.port, env, onLog);
      incarnations.push(incarnation);
      return incarnation;
    };
    for (const group of groups) {
      for (let i = 0; i < group.processes; i++) {
        const slot = newSlot(run.slots.length, group, await freePort());
        run.slots.push(slot);
        slot.current = spawnInto(slot);
      }
    }
    options.log(
      `started dynalite on ${store.endpoint} and ${run.slots.length} servers: ${groups
        .map(
          (g) =>
            `${g.processes} in "${g.namespace}" (${g.layout}, ${g.layoutSpec.maxWorkerId + 1} worker IDs)`,
        )
        .join(", ")}; lease TTL ${options.ttlMs} ms`,
    );

    run.pullStartedAt = Date.now();
    const pullers = run.slots.map((slot) => pull(run, slot));
    await allIssuing(run, 90_000);
    await sleep(1_000);

    const faultDeadline = Date.now() + options.maxFaultPhaseMs;
    const total = () => groups.reduce((sum, g) => sum + g.ids.count, 0);
    for (let round = 0; round < options.rounds || total() < options.minIds; round++) {
      for (const kind of SEQUENCE) {
        if (Date.now() > faultDeadline) break;
        await inject(run, kind);
        await sleep(500);
      }
      if (Date.now() > faultDeadline) break;
    }
    // Keep pulling until enough IDs were checked (bounded by the same deadline).
    while (total() < options.minIds && Date.now() < faultDeadline) await sleep(200);
    run.pulling = false;
    const pullMs = Date.now() - run.pullStartedAt;
    await Promise.all(pullers);
    return report(run, incarnations, pullMs);
  } finally {
    if (chaos) chaos.pulling = false;
    await Promise.all(incarnations.map((i) => i.stop("SIGKILL")));
    client?.destroy();
    await store.stop();
    removeDir();
    onInterrupt.delete(removeDir);
  }
}

function createGroup(spec: GroupSpec, client: ReturnType<typeof createDynamoDbClient>): Group {
  return {
    ...spec,
    layoutSpec: createLayout(spec.layout, DEFAULT_EPOCH_MS, Date.now()),
    ids: new IdLog(),
    store: new DynamoDbLeaseStore({ client, table: TABLE, namespace: spec.namespace }),
    lastSeen: new Map(),
    lastAcquirer: new Map(),
    acquisitionsByWorker: new Map(),
    acquisitions: 0,
    handovers: 0,
    takenOver: 0,
    outOfOrder: 0,
  };
}

function newSlot(index: number, group: Group, port: number): Slot {
  return {
    index,
    group,
    port,
    current: undefined as unknown as Incarnation, // set right after, by the first spawn
    lastId: new Map(),
    lastWorker: -1,
    lastIssuedAt: 0,
    refused: 0,
  };
}

/** The group with the fewest worker IDs to spare per process. */
function narrowest(groups: Group[]): Group {
  const spare = (g: Group) => g.layoutSpec.maxWorkerId + 1 - g.processes;
  return groups.reduce((a, b) => (spare(b) < spare(a) ? b : a));
}

/** Acquisitions (who took which worker ID from whom) and takeovers, from the processes' logs. */
function onLeaseLog(chaos: Chaos, incarnation: Incarnation, log: Log): void {
  const group = chaos.slots[incarnation.slot]?.group;
  if (!group) return;
  if (log.msg === "acquired worker-ID lease") {
    const workerId = Number(log.workerId);
    const previous = group.lastAcquirer.get(workerId);
    group.acquisitions++;
    group.acquisitionsByWorker.set(workerId, (group.acquisitionsByWorker.get(workerId) ?? 0) + 1);
    for (const watch of chaos.watches)
      if (watch.incarnation === incarnation.id) watch.closed = true;
    if (previous !== undefined && previous !== incarnation.id) group.handovers++;
    group.lastAcquirer.set(workerId, incarnation.id);
  } else if (String(log.msg).includes("taken over")) {
    group.takenOver++;
  }
}

/** Waits until every group issues on all the worker IDs it can, before the faults begin. */
async function allIssuing(chaos: Chaos, timeoutMs: number): Promise<void> {
  const startedAt = Date.now();
  while (!chaos.groups.every((g) => capacityOf(g, startedAt) >= fullCapacity(g))) {
    if (Date.now() > startedAt + timeoutMs)
      throw new Error(`the servers did not all start issuing in ${timeoutMs / 1000} s`);
    await sleep(50);
  }
  chaos.options.log(`all groups issuing after ${Date.now() - startedAt} ms`);
}

function report(chaos: Chaos, incarnations: Incarnation[], pullMs: number): ChaosReport {
  const { options, counters } = chaos;
  const pauseChecks = chaos.watches.map(({ incarnation: _, closed: __, ...check }) => check);
  options.log("checking every ID ...");
  const checkStartedAt = Date.now();
  const groups = chaos.groups.map((group) => checkGroup(group, incarnations));
  const checkMs = Date.now() - checkStartedAt;
  const totalIds = groups.reduce((sum, g) => sum + g.ids, 0);
  const problems = problemsOf(groups, counters.outOfOrder, pauseChecks);
  return {
    mode: options.mode,
    seed: options.seed,
    ttlMs: options.ttlMs,
    batch: options.batch,
    processes: chaos.slots.length,
    incarnations: incarnations.length,
    pullMs,
    idsPerSecond: Math.round((totalIds / pullMs) * 1000),
    checkMs,
    driverRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    totalIds,
    duplicates: groups.reduce((sum, g) => sum + g.duplicates, 0),
    outOfOrder: counters.outOfOrder,
    refused: counters.refused,
    refusedByReason: chaos.refusedByReason,
    connectionErrors: counters.connectionErrors,
    otherErrors: counters.otherErrors,
    groups,
    faults: chaos.faults,
    pauseChecks,
    dynaliteRestarts: chaos.storeRestarts,
    ok: problems.length === 0,
    problems,
  };
}
