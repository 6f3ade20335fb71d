// The chaos run: Node servers leasing from one dynalite table, a driver pulling IDs from every one of
// them, faults injected meanwhile, then every received ID checked for duplicates and order.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLayout, DEFAULT_EPOCH_MS, type Layout } from "../../src/core/layout.ts";
import { createDynamoDbClient } from "../../src/lease/dynamodb-client.ts";
import { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import { createLeaseTable } from "../../src/lease/dynamodb-table.ts";
import { CLOCK_CONTROL_PATH } from "../../src/targets/clock-control.ts";
import { mulberry32 } from "../lib/prng.ts";
import { DynaliteProcess, freePort, Incarnation, type Log, onInterrupt, sleep } from "./fleet.ts";
import { IdLog } from "./id-log.ts";
import type {
  ChaosOptions,
  ChaosReport,
  FaultKind,
  FaultRecord,
  GroupReport,
  GroupSpec,
  PauseCheck,
} from "./report.ts";

interface Group extends GroupSpec {
  layoutSpec: Layout;
  ids: IdLog;
  store: DynamoDbLeaseStore;
  /** Worker ID -> last time (ms) an ID with it arrived. */
  lastSeen: Map<number, number>;
  lastAcquirer: Map<number, number>;
  acquisitionsByWorker: Map<number, number>;
  acquisitions: number;
  handovers: number;
  takenOver: number;
  outOfOrder: number;
  tickShift: bigint;
  workerShift: bigint;
  workerMask: bigint;
}

interface Watch extends PauseCheck {
  incarnation: number;
  /** Set when the resumed process acquires a lease again: its IDs are then legitimate. */
  closed: boolean;
}

interface Slot {
  index: number;
  group: Group;
  port: number;
  current: Incarnation;
  /** Per incarnation: last ID per worker ID, for the order check. */
  lastId: Map<number, bigint>;
  lastWorker: number;
  lastIssuedAt: number;
  refused: number;
}

/** The worker ID a process issued on in the last second, or that it holds none. */
function describeWorker(slot: Slot): string {
  return Date.now() - slot.lastIssuedAt < 1_000 ? `worker ${slot.lastWorker}` : "no lease";
}

/** Runs the chaos scenario; always stops every process it started. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
  const say = options.log;
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-chaos-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  onInterrupt.add(removeDir);
  const dynalite = new DynaliteProcess(dir);
  const incarnations: Incarnation[] = [];
  const slots: Slot[] = [];
  const faults: FaultRecord[] = [];
  const pauseChecks: PauseCheck[] = [];
  const dynaliteRestarts: ChaosReport["dynaliteRestarts"] = [];
  const refusedByReason: Record<string, number> = {};
  const counters = { refused: 0, connectionErrors: 0, otherErrors: 0, outOfOrder: 0 };
  const watches: Watch[] = [];
  let pulling = true;
  let pullStartedAt = 0;
  let pullEndedAt = 0;
  let client: ReturnType<typeof createDynamoDbClient> | undefined;

  try {
    await dynalite.start();
    const dynamo = createDynamoDbClient({
      region: "us-east-1",
      endpoint: dynalite.endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    client = dynamo;
    const table = "chaos-leases";
    await createLeaseTable(dynamo, table, { pollMs: 5 });
    const groups: Group[] = options.groups.map((spec) => {
      const layoutSpec = createLayout(spec.layout, DEFAULT_EPOCH_MS, Date.now());
      return {
        ...spec,
        layoutSpec,
        ids: new IdLog(),
        store: new DynamoDbLeaseStore({ client: dynamo, table, namespace: spec.namespace }),
        lastSeen: new Map(),
        lastAcquirer: new Map(),
        acquisitionsByWorker: new Map(),
        acquisitions: 0,
        handovers: 0,
        takenOver: 0,
        outOfOrder: 0,
        tickShift: BigInt(layoutSpec.workerBits + layoutSpec.sequenceBits),
        workerShift: BigInt(layoutSpec.sequenceBits),
        workerMask: BigInt(layoutSpec.maxWorkerId),
      };
    });

    const onLog = (incarnation: Incarnation, log: Log) => {
      const group = (slots[incarnation.slot] as Slot | undefined)?.group;
      if (!group) return;
      if (log.msg === "acquired worker-ID lease") {
        const workerId = Number(log.workerId);
        const previous = group.lastAcquirer.get(workerId);
        group.acquisitions++;
        group.acquisitionsByWorker.set(
          workerId,
          (group.acquisitionsByWorker.get(workerId) ?? 0) + 1,
        );
        for (const watch of watches) if (watch.incarnation === incarnation.id) watch.closed = true;
        if (previous !== undefined && previous !== incarnation.id) group.handovers++;
        group.lastAcquirer.set(workerId, incarnation.id);
      } else if (String(log.msg).includes("taken over")) {
        group.takenOver++;
      }
    };
    const spawnInto = (slotIndex: number, group: Group, port: number): Incarnation => {
      const incarnation = new Incarnation(
        incarnations.length,
        slotIndex,
        port,
        {
          LEASE_TABLE: table,
          DYNAMODB_ENDPOINT: dynalite.endpoint,
          LEASE_TTL_MS: String(options.ttlMs),
          LEASE_NAMESPACE: group.namespace,
          LAYOUT: group.layout,
          MAX_BATCH: String(options.batch),
          CLOCK_CONTROL: "unsafe-test-only",
        },
        onLog,
      );
      incarnations.push(incarnation);
      return incarnation;
    };
    for (const group of groups) {
      for (let i = 0; i < group.processes; i++) {
        const index = slots.length;
        const port = await freePort();
        slots.push({
          index,
          group,
          port,
          current: undefined as unknown as Incarnation,
          lastId: new Map(),
          lastWorker: -1,
          lastIssuedAt: 0,
          refused: 0,
        });
        (slots[index] as Slot).current = spawnInto(index, group, port);
      }
    }
    say(
      `started dynalite on ${dynalite.endpoint} and ${slots.length} servers: ${groups
        .map(
          (g) =>
            `${g.processes} in "${g.namespace}" (${g.layout}, ${g.layoutSpec.maxWorkerId + 1} worker IDs)`,
        )
        .join(", ")}; lease TTL ${options.ttlMs} ms`,
    );

    const record = (slot: Slot, incarnation: Incarnation, body: string, at: number) => {
      const group = slot.group;
      const watch = watches.find((w) => w.incarnation === incarnation.id && !w.closed);
      const fenceTick = watch
        ? BigInt(Math.ceil((watch.fenceMs - group.layoutSpec.epochMs) / group.layoutSpec.unitMs))
        : 0n;
      let start = 0;
      while (start < body.length) {
        let end = body.indexOf("\n", start);
        if (end === -1) end = body.length;
        if (end > start) {
          const id = BigInt(body.slice(start, end));
          const worker = Number((id >> group.workerShift) & group.workerMask);
          group.ids.add(worker, incarnation.id, id);
          const last = slot.lastId.get(worker);
          if (last !== undefined && id <= last) {
            counters.outOfOrder++;
            group.outOfOrder++;
          }
          slot.lastId.set(worker, id);
          slot.lastWorker = worker;
          group.lastSeen.set(worker, at);
          if (watch) {
            if (worker !== watch.workerId) watch.idsUnderNewLease++;
            else if (id >> group.tickShift >= fenceTick) watch.idsUnderLostLease++;
            else watch.idsBelowFence++;
          }
        }
        start = end + 1;
      }
      slot.lastIssuedAt = at;
    };

    const pull = async (slot: Slot) => {
      while (pulling) {
        const incarnation = slot.current;
        if (!incarnation.serving) {
          await sleep(25);
          continue;
        }
        let status: number;
        let body: string;
        try {
          const response = await fetch(`${incarnation.url}/generate?count=${options.batch}`, {
            headers: { Accept: "text/plain" },
            signal: AbortSignal.timeout(15_000),
          });
          status = response.status;
          body = await response.text();
        } catch {
          counters.connectionErrors++;
          await sleep(25);
          continue;
        }
        if (incarnation !== slot.current) continue;
        if (status === 200) {
          record(slot, incarnation, body, Date.now());
          if (options.paceMs > 0) await sleep(options.paceMs);
        } else if (status === 503) {
          counters.refused++;
          slot.refused++;
          const reason = /"type":"[^"]*?([\w-]+)"/.exec(body)?.[1] ?? "unknown";
          refusedByReason[reason] = (refusedByReason[reason] ?? 0) + 1;
          const watch = watches.find((w) => w.incarnation === incarnation.id && !w.closed);
          if (watch) watch.refusedAfterResume++;
          await sleep(50);
        } else {
          counters.otherErrors++;
          say(`unexpected ${status} from ${incarnation.url}: ${body.slice(0, 200)}`);
          await sleep(100);
        }
      }
    };

    // Every group issues on all the worker IDs it can before the faults begin.
    const capacityOf = (group: Group, sinceMs: number) =>
      [...group.lastSeen.values()].filter((at) => at >= sinceMs).length;
    const fullCapacity = (group: Group) =>
      Math.min(group.processes, group.layoutSpec.maxWorkerId + 1);
    pullStartedAt = Date.now();
    const pullers = slots.map((slot) => pull(slot));
    const startDeadline = Date.now() + 90_000;
    const startedAt = Date.now();
    while (!groups.every((g) => capacityOf(g, startedAt) >= fullCapacity(g))) {
      if (Date.now() > startDeadline)
        throw new Error("the servers did not all start issuing in 90 s");
      await sleep(50);
    }
    say(`all groups issuing after ${Date.now() - startedAt} ms`);
    await sleep(1_000);

    const issuing = (group?: Group) =>
      slots.filter(
        (s) =>
          (!group || s.group === group) &&
          s.current.serving &&
          s.lastWorker >= 0 &&
          Date.now() - s.lastIssuedAt < 1_000,
      );
    const narrow = groups.reduce((a, b) =>
      b.layoutSpec.maxWorkerId + 1 - b.processes < a.layoutSpec.maxWorkerId + 1 - a.processes
        ? b
        : a,
    );

    /** Waits until every group issued, since `sinceMs`, on as many worker IDs as before the fault. */
    const recovery = async (before: Map<Group, number>, sinceMs: number) => {
      const deadline = sinceMs + 30_000;
      while (Date.now() < deadline) {
        if (groups.every((g) => capacityOf(g, sinceMs) >= (before.get(g) ?? 0))) {
          return Date.now() - sinceMs;
        }
        await sleep(20);
      }
      return null;
    };

    const inject = async (kind: FaultKind): Promise<void> => {
      // Worker IDs issued on just before the fault (a worker ID lost to a previous kill may still
      // show up in that window, hence the cap at what the group can hold).
      const capacity = new Map(
        groups.map((g) => [g, Math.min(capacityOf(g, Date.now() - 1_500), fullCapacity(g))]),
      );
      const serving = issuing();
      const refusedBefore = serving.reduce((sum, s) => sum + s.refused, 0);
      const startedAt = Date.now();
      let endedAt = startedAt;
      let target = "";
      const detail: Record<string, unknown> = {};
      if (kind === "kill") {
        // Alternate between groups so both lose a process now and then.
        const group = groups[faults.filter((f) => f.kind === "kill").length % groups.length];
        const slot = pick(issuing(group)) ?? pick(slots.filter((s) => s.group === group));
        if (!slot) return;
        const victim = slot.current;
        target = `${group?.name}#${slot.index} (pid ${victim.pid}, ${describeWorker(slot)})`;
        await victim.stop("SIGKILL");
        endedAt = Date.now();
        slot.lastId = new Map();
        slot.lastWorker = -1;
        slot.current = spawnInto(slot.index, slot.group, slot.port);
        detail.restartedPid = slot.current.pid;
      } else if (kind === "pause") {
        const slot = pick(issuing(narrow));
        if (!slot) return;
        const paused = slot.current;
        const workerId = slot.lastWorker;
        target = `${narrow.name}#${slot.index} (pid ${paused.pid}, worker ${workerId})`;
        const pausedMs = options.ttlMs + 2_500;
        paused.child.kill("SIGSTOP");
        await sleep(250); // let a renewal already on the wire land before reading the lease
        const before = await narrow.store.get(workerId);
        await sleep(pausedMs - 250);
        const during = await narrow.store.get(workerId);
        const watch: Watch = {
          incarnation: paused.id,
          workerId,
          fenceMs: before?.expiresAt ?? 0,
          heldByPausedProcess: before?.host?.endsWith(`#${paused.pid}`) ?? false,
          changedHands: during !== undefined && during.owner !== before?.owner,
          pausedMs,
          refusedAfterResume: 0,
          idsUnderLostLease: 0,
          idsBelowFence: 0,
          idsUnderNewLease: 0,
          closed: false,
        };
        watches.push(watch);
        paused.child.kill("SIGCONT");
        endedAt = Date.now();
        detail.pausedMs = pausedMs;
      } else if (kind === "clock-forward" || kind === "clock-backward") {
        const candidates =
          kind === "clock-backward"
            ? issuing()
            : slots.filter((s) => s.current.serving && s.current.alive);
        const slot = pick(candidates);
        if (!slot) return;
        const sign = kind === "clock-forward" ? 1 : -1;
        // The first jump each way is the full 10 s; later ones are random between 2 and 10 s.
        const first = !faults.some((f) => f.kind === kind);
        const offsetMs = sign * (first ? 10_000 : Math.round(2_000 + random() * 8_000));
        target = `${slot.group.name}#${slot.index} (pid ${slot.current.pid}, ${describeWorker(slot)})`;
        const heldMs = 3_000;
        await setOffset(slot.current, offsetMs);
        await sleep(heldMs);
        await setOffset(slot.current, 0);
        endedAt = Date.now();
        Object.assign(detail, { offsetMs, heldMs });
      } else {
        target = dynalite.endpoint;
        const itemsBefore = await snapshot(groups);
        await dynalite.stop();
        const outageMs = Math.round(options.ttlMs * 1.5);
        await sleep(outageMs);
        await dynalite.start();
        endedAt = Date.now();
        const itemsAfter = await snapshot(groups);
        const sameData = [...itemsBefore].every(([key, version]) => {
          const after = itemsAfter.get(key);
          return after !== undefined && after >= version;
        });
        dynaliteRestarts.push({
          itemsBefore: itemsBefore.size,
          itemsAfter: itemsAfter.size,
          sameData,
        });
        Object.assign(detail, { outageMs, sameData, samePort: dynalite.endpoint === target });
      }
      const recoveredAfterMs = await recovery(capacity, endedAt);
      // A resumed holder is watched until recovery: later it may lease legitimately again.
      if (kind === "pause") await sleep(1_000);
      for (const watch of watches) watch.closed = true;
      const fault: FaultRecord = {
        kind,
        target,
        atS: Math.round((startedAt - pullStartedAt) / 100) / 10,
        durationMs: endedAt - startedAt,
        recoveredAfterMs,
        refused: serving.reduce((sum, s) => sum + s.refused, 0) - refusedBefore,
        detail,
      };
      faults.push(fault);
      say(
        `${kind.padEnd(14)} ${target}: lasted ${fault.durationMs} ms, recovered ${
          recoveredAfterMs === null ? "NOT within 30 s" : `${recoveredAfterMs} ms after`
        }, ${fault.refused} refused; ${JSON.stringify(detail)}; ${groups
          .map((g) => `${g.name} ${g.ids.count.toLocaleString("en")}`)
          .join(", ")} IDs`,
      );
    };

    const sequence: FaultKind[] = [
      "kill",
      "pause",
      "clock-forward",
      "clock-backward",
      "dynalite",
      "kill",
    ];
    const faultDeadline = Date.now() + options.maxFaultPhaseMs;
    const total = () => groups.reduce((sum, g) => sum + g.ids.count, 0);
    for (let round = 0; ; round++) {
      if (round >= options.rounds && total() >= options.minIds) break;
      if (Date.now() > faultDeadline) break;
      for (const kind of sequence) {
        if (Date.now() > faultDeadline) break;
        await inject(kind);
        await sleep(500);
      }
    }
    // Keep pulling until enough IDs were checked (bounded by the same deadline).
    while (total() < options.minIds && Date.now() < faultDeadline) await sleep(200);
    pulling = false;
    pullEndedAt = Date.now();
    await Promise.all(pullers);
    for (const watch of watches) {
      const { incarnation: _, closed: __, ...check } = watch;
      pauseChecks.push(check);
    }

    say("checking every ID ...");
    const checkStartedAt = Date.now();
    const groupReports: GroupReport[] = groups.map((group) => {
      const { duplicates, samples, workers: merged } = group.ids.check();
      const workers = merged.map((w) => ({
        workerId: w.workerId,
        ids: w.ids,
        processes: w.sources,
        runs: w.blocks,
        acquisitions: group.acquisitionsByWorker.get(w.workerId) ?? 0,
      }));
      return {
        name: group.name,
        namespace: group.namespace,
        layout: group.layout,
        processes: group.processes,
        workerIds: group.layoutSpec.maxWorkerId + 1,
        ids: group.ids.count,
        duplicates,
        duplicateSamples: samples.map(({ id, sources }) => ({
          id,
          sources: sources.map((s) => {
            const incarnation = incarnations[s];
            return `incarnation ${s} (slot ${incarnation?.slot}, pid ${incarnation?.pid})`;
          }),
        })),
        outOfOrder: group.outOfOrder,
        workers,
        interleaved: workers.reduce((sum, w) => sum + Math.max(0, w.runs - w.acquisitions), 0),
        acquisitions: group.acquisitions,
        handovers: group.handovers,
        takenOver: group.takenOver,
      };
    });
    const checkMs = Date.now() - checkStartedAt;
    const totalIds = groupReports.reduce((sum, g) => sum + g.ids, 0);
    const duplicates = groupReports.reduce((sum, g) => sum + g.duplicates, 0);
    const problems: string[] = [];
    if (duplicates > 0) problems.push(`${duplicates} duplicate IDs`);
    if (counters.outOfOrder > 0) problems.push(`${counters.outOfOrder} IDs out of order`);
    for (const group of groupReports) {
      if (group.interleaved > 0) {
        problems.push(
          `${group.name}: ${group.interleaved} tenures interleaved with another holder's IDs`,
        );
      }
    }
    for (const check of pauseChecks) {
      if (check.idsUnderLostLease > 0) {
        problems.push(
          `a paused holder issued ${check.idsUnderLostLease} IDs under its lost lease (worker ${check.workerId})`,
        );
      }
    }
    const pullMs = pullEndedAt - pullStartedAt;
    return {
      mode: options.mode,
      seed: options.seed,
      ttlMs: options.ttlMs,
      batch: options.batch,
      processes: slots.length,
      incarnations: incarnations.length,
      pullMs,
      idsPerSecond: Math.round((totalIds / pullMs) * 1000),
      checkMs,
      driverRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      totalIds,
      duplicates,
      outOfOrder: counters.outOfOrder,
      refused: counters.refused,
      refusedByReason,
      connectionErrors: counters.connectionErrors,
      otherErrors: counters.otherErrors,
      groups: groupReports,
      faults,
      pauseChecks,
      dynaliteRestarts,
      ok: problems.length === 0,
      problems,
    };
  } finally {
    pulling = false;
    await Promise.all(incarnations.map((i) => i.stop("SIGKILL")));
    client?.destroy();
    await dynalite.stop();
    removeDir();
    onInterrupt.delete(removeDir);
  }

  async function snapshot(groups: Group[]): Promise<Map<string, number>> {
    const items = new Map<string, number>();
    for (const group of groups) {
      for (let attempt = 0; ; attempt++) {
        try {
          for (const record of await group.store.list()) {
            items.set(`${group.namespace}/${record.workerId}`, record.version);
          }
          break;
        } catch (error) {
          if (attempt >= 20) throw error;
          await sleep(100);
        }
      }
    }
    return items;
  }
}

async function setOffset(incarnation: Incarnation, offsetMs: number): Promise<void> {
  const response = await fetch(`${incarnation.url}${CLOCK_CONTROL_PATH}`, {
    method: "POST",
    body: JSON.stringify({ offsetMs }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as { offsetMs?: number };
  if (answer.offsetMs !== offsetMs)
    throw new Error(`clock control refused: ${JSON.stringify(answer)}`);
}
