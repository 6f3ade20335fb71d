// The chaos run: Node servers (and, with --runtimes, Workers in workerd and Lambda environments)
// leasing from one table, a driver pulling IDs from every one of them, faults (faults.ts) injected
// meanwhile, then every received ID checked (check.ts).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLayout, DEFAULT_EPOCH_MS } from "../../src/core/layout.ts";
import { createDynamoDbClient } from "../../src/lease/dynamodb-client.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { createLeaseTable } from "../../src/lease/dynamodb-table.ts";
import { mulberry32 } from "../lib/prng.ts";
import { report } from "./check.ts";
import { inject, type Step } from "./faults.ts";
import { freePort, Incarnation, type Log, onInterrupt } from "./fleet.ts";
import { IdLog } from "./id-log.ts";
import type { ChaosOptions, ChaosReport, GroupSpec } from "./report.ts";
import { buildWorker, LambdaMember, type Member, type Runtime, WorkersMember } from "./runtimes.ts";
import {
  type Chaos,
  capacityOf,
  fullCapacity,
  type Group,
  pull,
  type Slot,
  sleep,
} from "./state.ts";
import { createStore } from "./stores.ts";

const TABLE = "chaos-leases";

/** One round of faults; rounds repeat until the minimum of rounds and of IDs is reached. */
export function sequenceOf(options: ChaosOptions): Step[] {
  const store: Step = { kind: options.store };
  const others = options.runtimes.filter((r) => r !== "node");
  if (others.length === 0) {
    return [
      { kind: "kill" },
      { kind: "pause" },
      { kind: "clock-forward" },
      { kind: "clock-backward" },
      store,
      { kind: "kill" },
    ];
  }
  // Every runtime frozen first (quick mode must freeze each), then the kills and the rest.
  const freezes: Step[] = [...others, "node" as const].map((runtime) => ({
    kind: "pause",
    runtime,
  }));
  const kills: Step[] = others.map((runtime) => ({ kind: "kill", runtime }));
  const node: Step[] = [
    { kind: "term" },
    { kind: "clock-backward" },
    store,
    { kind: "kill", runtime: "node" },
  ];
  // Quick: the slow forward clock jump and the Node kill are left to the Node-only quick run.
  if (options.mode === "quick") return [...freezes, ...kills, ...node.slice(0, 3)];
  return [
    { kind: "kill", runtime: "node" },
    ...freezes,
    { kind: "clock-forward" },
    ...kills,
    ...node,
  ];
}

/** Runs the chaos scenario; always stops every process it started. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-chaos-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  onInterrupt.add(removeDir);
  mkdirSync(join(dir, "store"));
  const store = createStore(options.store, join(dir, "store"));
  const members: Member[] = [];
  let client: ReturnType<typeof createDynamoDbClient> | undefined;
  let chaos: Chaos | undefined;
  try {
    const needsWorker = options.groups.some((g) => (g.workers ?? 0) > 0);
    const [bundle] = await Promise.all([
      needsWorker ? buildWorker(join(dir, "worker")) : undefined,
      store.start(),
    ]);
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
      hosts: new Map(),
      idsByRuntime: { node: 0, workers: 0, lambda: 0 },
      refusedByReason: {},
      counters: { refused: 0, connectionErrors: 0, otherErrors: 0, outOfOrder: 0 },
      pulling: true,
      pullStartedAt: 0,
      respawn: (slot) => spawnInto(slot),
    };
    chaos = run;
    const spawnInto = (slot: Slot): Member => {
      const env = {
        LEASE_TABLE: TABLE,
        DYNAMODB_ENDPOINT: store.endpoint,
        LEASE_TTL_MS: String(options.ttlMs),
        LEASE_NAMESPACE: slot.group.namespace,
        LAYOUT: slot.group.layout,
        MAX_BATCH: String(options.batch),
      };
      const id = members.length;
      const onLog = (member: Member, log: Log) => onLeaseLog(run, member, log);
      let member: Member;
      if (slot.runtime === "workers") {
        member = new WorkersMember(id, slot.index, slot.port, bundle as string, env, onLog);
      } else if (slot.runtime === "lambda") {
        member = new LambdaMember(id, slot.index, slot.port, env, onLog);
      } else {
        const nodeEnv = { ...env, CLOCK_CONTROL: "unsafe-test-only" };
        member = new Incarnation(id, slot.index, slot.port, nodeEnv, onLog);
      }
      members.push(member);
      return member;
    };
    // Workers and Lambda first: they lease lazily, so they hold worker IDs before the Node servers
    // (which lease at start) take the rest, and every runtime has a holder to freeze.
    const pullers: Promise<void>[] = [];
    run.pullStartedAt = Date.now();
    for (const lazy of [true, false]) {
      const started: Slot[] = [];
      for (const group of groups) {
        for (const runtime of runtimesOf(group)) {
          if ((runtime !== "node") !== lazy) continue;
          const slot = newSlot(run.slots.length, group, runtime, await freePort());
          run.slots.push(slot);
          slot.current = spawnInto(slot);
          started.push(slot);
          pullers.push(pull(run, slot));
        }
      }
      if (lazy) await firstIds(started, 60_000);
    }
    options.log(
      `started ${store.name} on ${store.endpoint} and ${run.slots.length} servers: ${groups
        .map(
          (g) =>
            `${g.processes} in "${g.namespace}" (${describeRuntimes(g)}; ${g.layout}, ${g.layoutSpec.maxWorkerId + 1} worker IDs)`,
        )
        .join(", ")}; lease TTL ${options.ttlMs} ms`,
    );
    await allIssuing(run, 90_000);
    await sleep(1_000);

    const faultDeadline = Date.now() + options.maxFaultPhaseMs;
    const total = () => groups.reduce((sum, g) => sum + g.ids.count, 0);
    const sequence = sequenceOf(options);
    for (let round = 0; round < options.rounds || total() < options.minIds; round++) {
      for (const step of sequence) {
        if (Date.now() > faultDeadline) break;
        await inject(run, step);
        await sleep(500);
      }
      if (Date.now() > faultDeadline) break;
    }
    // Keep pulling until enough IDs were checked (bounded by the same deadline).
    while (total() < options.minIds && Date.now() < faultDeadline) await sleep(200);
    run.pulling = false;
    const pullMs = Date.now() - run.pullStartedAt;
    await Promise.all(pullers);
    return report(run, members, pullMs);
  } finally {
    if (chaos) chaos.pulling = false;
    await Promise.all(members.map((m) => m.stop("SIGKILL")));
    client?.destroy();
    await store.dispose();
    removeDir();
    onInterrupt.delete(removeDir);
  }
}

/** The runtime of each of a group's processes: Workers, then Lambda, then Node. */
function runtimesOf(spec: GroupSpec): Runtime[] {
  const workers = spec.workers ?? 0;
  const lambda = spec.lambda ?? 0;
  const node = spec.processes - workers - lambda;
  return [
    ...Array<Runtime>(workers).fill("workers"),
    ...Array<Runtime>(lambda).fill("lambda"),
    ...Array<Runtime>(node).fill("node"),
  ];
}

function describeRuntimes(spec: GroupSpec): string {
  const counts = new Map<Runtime, number>();
  for (const runtime of runtimesOf(spec)) counts.set(runtime, (counts.get(runtime) ?? 0) + 1);
  return [...counts].map(([runtime, n]) => `${n} ${runtime}`).join(", ");
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

function newSlot(index: number, group: Group, runtime: Runtime, port: number): Slot {
  return {
    index,
    group,
    runtime,
    port,
    current: undefined as unknown as Member, // set right after, by the first spawn
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
function onLeaseLog(chaos: Chaos, member: Member, log: Log): void {
  const group = chaos.slots[member.slot]?.group;
  if (!group) return;
  if (log.msg === "acquired worker-ID lease") {
    const workerId = Number(log.workerId);
    const previous = group.lastAcquirer.get(workerId);
    group.acquisitions++;
    group.acquisitionsByWorker.set(workerId, (group.acquisitionsByWorker.get(workerId) ?? 0) + 1);
    for (const watch of chaos.watches) if (watch.incarnation === member.id) watch.closed = true;
    if (previous !== undefined && previous !== member.id) group.handovers++;
    group.lastAcquirer.set(workerId, member.id);
    // The holder's name as stored (a Worker's is random): a pause checks whom the lease names.
    void group.store.get(workerId).then(
      (lease) => {
        if (!lease?.host) return;
        const hosts = chaos.hosts.get(member.id) ?? new Set<string>();
        chaos.hosts.set(member.id, hosts.add(lease.host));
      },
      () => undefined,
    );
  } else if (String(log.msg).includes("taken over")) {
    group.takenOver++;
  }
}

/** Waits until each slot issued at least once. */
async function firstIds(slots: Slot[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!slots.every((s) => s.lastIssuedAt > 0)) {
    if (Date.now() > deadline) throw new Error(`Workers and Lambda not issuing in ${timeoutMs} ms`);
    await sleep(50);
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
