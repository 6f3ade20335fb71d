// The state one chaos run shares between its driver (run.ts) and its faults (faults.ts): groups of
// processes in one namespace each, one slot per process, and the record of every ID received.
import { decodeId } from "../../src/core/decode.ts";
import type { Layout } from "../../src/core/layout.ts";
import type { DynamoDbLeaseStore } from "../../src/lease/dynamodb-store.ts";
import type { IdLog } from "./id-log.ts";
import type { ChaosOptions, ChaosReport, FaultRecord, GroupSpec, PauseCheck } from "./report.ts";
import type { Member, Runtime } from "./runtimes.ts";

export interface Group extends GroupSpec {
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
}

/** A paused holder after SIGCONT: what it issues on its old worker ID is checked against the fence. */
export interface Watch extends PauseCheck {
  incarnation: number;
  /** Set when the resumed process acquires a lease again: its IDs are then legitimate. */
  closed: boolean;
}

export interface Slot {
  index: number;
  group: Group;
  runtime: Runtime;
  port: number;
  current: Member;
  /** Per incarnation: last ID per worker ID, for the order check. */
  lastId: Map<number, bigint>;
  lastWorker: number;
  lastIssuedAt: number;
  refused: number;
}

/** A lease store in its own process that a fault can stop and start again (same port, same data). */
export interface StoreProcess {
  readonly name: "dynalite" | "dynamodb-local";
  readonly endpoint: string;
  start(): Promise<void>;
  /** An outage: the process ends (dynalite closes, DynamoDB Local is SIGKILLed). */
  stop(): Promise<void>;
  /** Stops for good and removes its data. */
  dispose(): Promise<void>;
}

export interface Chaos {
  options: ChaosOptions;
  random: () => number;
  store: StoreProcess;
  groups: Group[];
  slots: Slot[];
  /** The group with the fewest worker IDs to spare: pauses there make leases change hands. */
  narrow: Group;
  faults: FaultRecord[];
  watches: Watch[];
  storeRestarts: ChaosReport["storeRestarts"];
  /** Member incarnation -> the lease `host` names it wrote (a Worker's is `isolate-<random>`). */
  hosts: Map<number, Set<string>>;
  idsByRuntime: Record<Runtime, number>;
  refusedByReason: Record<string, number>;
  counters: { refused: number; connectionErrors: number; otherErrors: number; outOfOrder: number };
  pulling: boolean;
  pullStartedAt: number;
  /** Replaces a slot's (dead) process with a new incarnation on the same port. */
  respawn(slot: Slot): Member;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function pick<T>(chaos: Chaos, items: T[]): T | undefined {
  return items[Math.floor(chaos.random() * items.length)];
}

/** The worker ID a process issued on in the last second, or that it holds none. */
export function describeWorker(slot: Slot): string {
  return Date.now() - slot.lastIssuedAt < 1_000 ? `worker ${slot.lastWorker}` : "no lease";
}

/** Slots (of `group`, or all) whose process issued in the last second. */
export function issuing(chaos: Chaos, group?: Group): Slot[] {
  return chaos.slots.filter(
    (s) =>
      (!group || s.group === group) &&
      s.current.serving &&
      s.lastWorker >= 0 &&
      Date.now() - s.lastIssuedAt < 1_000,
  );
}

/** Worker IDs of `group` that issued since `sinceMs`. */
export function capacityOf(group: Group, sinceMs: number): number {
  return [...group.lastSeen.values()].filter((at) => at >= sinceMs).length;
}

/** As many worker IDs as the group can issue on at once. */
export function fullCapacity(group: Group): number {
  return Math.min(group.processes, group.layoutSpec.maxWorkerId + 1);
}

function openWatch(chaos: Chaos, incarnation: Member): Watch | undefined {
  return chaos.watches.find((w) => w.incarnation === incarnation.id && !w.closed);
}

/** Books one answer's IDs (one decimal ID a line): order, tenure and fence bookkeeping. */
export function record(chaos: Chaos, slot: Slot, incarnation: Member, body: string): void {
  const at = Date.now();
  const group = slot.group;
  const watch = openWatch(chaos, incarnation);
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf("\n", start);
    if (end === -1) end = body.length;
    if (end > start) {
      const id = BigInt(body.slice(start, end));
      const { workerId, timestamp } = decodeId(id, group.layoutSpec);
      group.ids.add(workerId, incarnation.id, id);
      chaos.idsByRuntime[slot.runtime]++;
      const last = slot.lastId.get(workerId);
      if (last !== undefined && id <= last) {
        chaos.counters.outOfOrder++;
        group.outOfOrder++;
      }
      slot.lastId.set(workerId, id);
      slot.lastWorker = workerId;
      group.lastSeen.set(workerId, at);
      if (watch) {
        // Tick starts lie on the layout's grid, so "at or past the fence's tick" is this.
        if (workerId !== watch.workerId) watch.idsUnderNewLease++;
        else if (timestamp >= watch.fenceMs) watch.idsUnderLostLease++;
        else watch.idsBelowFence++;
      }
    }
    start = end + 1;
  }
  slot.lastIssuedAt = at;
}

/** One slot's sequential request loop: one request at a time, so arrival order is issue order. */
export async function pull(chaos: Chaos, slot: Slot): Promise<void> {
  const { options, counters } = chaos;
  while (chaos.pulling) {
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
      record(chaos, slot, incarnation, body);
      if (options.paceMs > 0) await sleep(options.paceMs);
    } else if (status === 503) {
      counters.refused++;
      slot.refused++;
      const reason = /"type":"[^"]*?([\w-]+)"/.exec(body)?.[1] ?? "unknown";
      chaos.refusedByReason[reason] = (chaos.refusedByReason[reason] ?? 0) + 1;
      const watch = openWatch(chaos, incarnation);
      if (watch) watch.refusedAfterResume++;
      await sleep(50);
    } else {
      counters.otherErrors++;
      options.log(`unexpected ${status} from ${incarnation.url}: ${body.slice(0, 200)}`);
      await sleep(100);
    }
  }
}

/** Waits until every group issued, since `sinceMs`, on as many worker IDs as before the fault. */
export async function recovery(
  chaos: Chaos,
  before: Map<Group, number>,
  sinceMs: number,
): Promise<number | null> {
  const deadline = sinceMs + 30_000;
  while (Date.now() < deadline) {
    if (chaos.groups.every((g) => capacityOf(g, sinceMs) >= (before.get(g) ?? 0))) {
      return Date.now() - sinceMs;
    }
    await sleep(20);
  }
  return null;
}
