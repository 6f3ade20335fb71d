// The faults a chaos run injects, one top-level function per kind (the `FAULTS` table), and
// `inject`, which runs one and measures the recovery from it.
import { CLOCK_CONTROL_PATH } from "../../src/targets/clock-control.ts";
import type { FaultKind, FaultRecord } from "./report.ts";
import type { Member, Runtime } from "./runtimes.ts";
import {
  type Chaos,
  capacityOf,
  describeWorker,
  fullCapacity,
  type Group,
  issuing,
  pick,
  recovery,
  type Slot,
  sleep,
  type Watch,
} from "./state.ts";

/** What a fault did; `undefined` from a fault means it found no target and did nothing. */
export interface FaultOutcome {
  target: string;
  endedAt: number;
  detail: Record<string, unknown>;
  /** Extra wait after recovery before the fault's watches close. */
  settle?: () => Promise<void>;
  /** The target's runtime. */
  runtime?: Runtime;
}

/** One fault; `runtime` narrows its target to that runtime's processes (any when absent). */
export type Fault = (chaos: Chaos, runtime?: Runtime) => Promise<FaultOutcome | undefined>;

const of = (runtime: Runtime | undefined) => (slot: Slot) => !runtime || slot.runtime === runtime;

function name(slot: Slot): string {
  return `${slot.group.name}#${slot.index} ${slot.runtime} (pid ${slot.current.pid}, ${describeWorker(slot)})`;
}

/** Ends a slot's process with `signal` (waiting for it to exit) and starts it again at once. */
async function restart(chaos: Chaos, slot: Slot, signal: NodeJS.Signals) {
  const startedAt = Date.now();
  const exitCode = await slot.current.stop(signal);
  const stoppedMs = Date.now() - startedAt;
  slot.lastId = new Map();
  slot.lastWorker = -1;
  slot.current = chaos.respawn(slot);
  return { endedAt: Date.now(), detail: { exitCode, stoppedMs, restartedPid: slot.current.pid } };
}

/** SIGKILL a holder, alternating between the groups, and restart it at once on the same port. */
async function kill(chaos: Chaos, runtime?: Runtime): Promise<FaultOutcome | undefined> {
  const candidates = chaos.slots.filter(of(runtime));
  const groups = chaos.groups.filter((g) => candidates.some((s) => s.group === g));
  const kills = chaos.faults.filter(
    (f) => f.kind === "kill" && (!runtime || f.runtime === runtime),
  );
  const group = groups[kills.length % groups.length];
  const slot =
    pick(chaos, issuing(chaos, group).filter(of(runtime))) ??
    pick(
      chaos,
      candidates.filter((s) => s.group === group),
    );
  if (!slot) return undefined;
  const target = name(slot);
  const { endedAt, detail } = await restart(chaos, slot, "SIGKILL");
  return { target, endedAt, detail: { restartedPid: detail.restartedPid }, runtime: slot.runtime };
}

/** SIGTERM a Node holder: it releases its lease on the way out; restart it on the same port. */
async function term(chaos: Chaos): Promise<FaultOutcome | undefined> {
  const slot = pick(chaos, issuing(chaos).filter(of("node")));
  if (!slot) return undefined;
  const target = name(slot);
  return { target, ...(await restart(chaos, slot, "SIGTERM")), runtime: "node" };
}

/** An issuing slot of `runtime` in the narrow group, waiting up to three TTLs for one. */
async function holderOf(chaos: Chaos, runtime: Runtime | undefined): Promise<Slot | undefined> {
  const deadline = Date.now() + 3 * chaos.options.ttlMs;
  for (;;) {
    const slot = pick(chaos, issuing(chaos, chaos.narrow).filter(of(runtime)));
    if (slot || Date.now() > deadline) return slot;
    await sleep(100);
  }
}

function answers(watch: Watch): number {
  const { refusedAfterResume, idsUnderLostLease, idsBelowFence, idsUnderNewLease } = watch;
  return refusedAfterResume + idsUnderLostLease + idsBelowFence + idsUnderNewLease;
}

/** Whether the lease's `host` names `member` (Node and Lambda put the pid in it). */
function heldBy(chaos: Chaos, member: Member, host: string | undefined): boolean {
  return !!host && (host.endsWith(`#${member.pid}`) || !!chaos.hosts.get(member.id)?.has(host));
}

/**
 * SIGSTOP a holder in the narrow group past its lease's TTL, then SIGCONT. Its lease is read from
 * the table while it is stopped; a watch then checks it issues nothing under the lost lease.
 */
async function pause(chaos: Chaos, runtime?: Runtime): Promise<FaultOutcome | undefined> {
  const { narrow, options } = chaos;
  const slot = await holderOf(chaos, runtime);
  if (!slot) return undefined;
  const paused = slot.current;
  const workerId = slot.lastWorker;
  const target = `${narrow.name}#${slot.index} ${slot.runtime} (pid ${paused.pid}, worker ${workerId})`;
  const pausedMs = options.ttlMs + 2_500;
  paused.pause();
  await sleep(250); // let a renewal already on the wire land before reading the lease
  const before = await narrow.store.get(workerId);
  await sleep(pausedMs - 250);
  const during = await narrow.store.get(workerId);
  const watch: Watch = {
    incarnation: paused.id,
    runtime: slot.runtime,
    workerId,
    fenceMs: before?.expiresAt ?? 0,
    heldByPausedProcess: heldBy(chaos, paused, before?.host),
    changedHands: during !== undefined && during.owner !== before?.owner,
    pausedMs,
    refusedAfterResume: 0,
    idsUnderLostLease: 0,
    idsBelowFence: 0,
    idsUnderNewLease: 0,
    closed: false,
  };
  chaos.watches.push(watch);
  paused.resume();
  const detail = { pausedMs };
  // Watched until a second after recovery and until it answered once: later it may lease again.
  const settle = async () => {
    await sleep(1_000);
    const deadline = Date.now() + 10_000;
    while (!watch.closed && answers(watch) === 0 && Date.now() < deadline) await sleep(50);
  };
  return { target, endedAt: Date.now(), detail, settle, runtime: slot.runtime };
}

/** Shift one Node process's wall clock for 3 s through the test-only clock control (Node only). */
function clockShift(sign: 1 | -1): Fault {
  const kind: FaultKind = sign > 0 ? "clock-forward" : "clock-backward";
  return async (chaos) => {
    const candidates =
      sign < 0 ? issuing(chaos) : chaos.slots.filter((s) => s.current.serving && s.current.alive);
    const slot = pick(chaos, candidates.filter(of("node")));
    if (!slot) return undefined;
    // The first jump each way is the full 10 s; later ones are random between 2 and 10 s.
    const first = !chaos.faults.some((f) => f.kind === kind);
    const offsetMs = sign * (first ? 10_000 : Math.round(2_000 + chaos.random() * 8_000));
    const target = name(slot);
    const heldMs = 3_000;
    await setOffset(slot.current, offsetMs);
    await sleep(heldMs);
    await setOffset(slot.current, 0);
    return { target, endedAt: Date.now(), detail: { offsetMs, heldMs }, runtime: "node" };
  };
}

/** Stop the lease store for 1.5 x TTL and start it again on the same port with the same data. */
async function storeOutage(chaos: Chaos): Promise<FaultOutcome> {
  const { store, options } = chaos;
  const target = store.endpoint;
  const itemsBefore = await snapshot(chaos.groups);
  await store.stop();
  const outageMs = Math.round(options.ttlMs * 1.5);
  await sleep(outageMs);
  await store.start();
  const endedAt = Date.now();
  const itemsAfter = await snapshot(chaos.groups);
  const sameData = [...itemsBefore].every(([key, version]) => {
    const after = itemsAfter.get(key);
    return after !== undefined && after >= version;
  });
  chaos.storeRestarts.push({
    itemsBefore: itemsBefore.size,
    itemsAfter: itemsAfter.size,
    sameData,
  });
  return { target, endedAt, detail: { outageMs, sameData, samePort: store.endpoint === target } };
}

export const FAULTS: Record<FaultKind, Fault> = {
  kill,
  pause,
  term,
  "clock-forward": clockShift(1),
  "clock-backward": clockShift(-1),
  dynalite: storeOutage,
  "dynamodb-local": storeOutage,
};

/** One entry of a fault sequence: a kind, and for some the runtime of its target. */
export interface Step {
  kind: FaultKind;
  runtime?: Runtime;
}

/** Runs one fault, waits for recovery and books it in `chaos.faults`. */
export async function inject(chaos: Chaos, { kind, runtime }: Step): Promise<void> {
  const { groups } = chaos;
  // Worker IDs issued on just before the fault (a worker ID lost to a previous kill may still
  // show up in that window, hence the cap at what the group can hold).
  const capacity = new Map<Group, number>(
    groups.map((g) => [g, Math.min(capacityOf(g, Date.now() - 1_500), fullCapacity(g))]),
  );
  const serving = issuing(chaos);
  const refusedBefore = serving.reduce((sum, s) => sum + s.refused, 0);
  const startedAt = Date.now();
  const outcome = await FAULTS[kind](chaos, runtime);
  if (!outcome) return;
  const recoveredAfterMs = await recovery(chaos, capacity, outcome.endedAt);
  await outcome.settle?.();
  for (const watch of chaos.watches) watch.closed = true;
  const fault: FaultRecord = {
    kind,
    ...(outcome.runtime ? { runtime: outcome.runtime } : {}),
    target: outcome.target,
    atS: Math.round((startedAt - chaos.pullStartedAt) / 100) / 10,
    durationMs: outcome.endedAt - startedAt,
    recoveredAfterMs,
    refused: serving.reduce((sum, s) => sum + s.refused, 0) - refusedBefore,
    detail: outcome.detail,
  };
  chaos.faults.push(fault);
  chaos.options.log(
    `${kind.padEnd(14)} ${fault.target}: lasted ${fault.durationMs} ms, recovered ${
      recoveredAfterMs === null ? "NOT within 30 s" : `${recoveredAfterMs} ms after`
    }, ${fault.refused} refused; ${JSON.stringify(fault.detail)}; ${groups
      .map((g) => `${g.name} ${g.ids.count.toLocaleString("en")}`)
      .join(", ")} IDs`,
  );
}

/** Lease items (namespace/worker ID -> version) of every group, retried while the store starts. */
async function snapshot(groups: Group[]): Promise<Map<string, number>> {
  const items = new Map<string, number>();
  for (const group of groups) {
    for (let attempt = 0; ; attempt++) {
      try {
        for (const item of await group.store.list()) {
          items.set(`${group.namespace}/${item.workerId}`, item.version);
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

async function setOffset(incarnation: Member, offsetMs: number): Promise<void> {
  const response = await fetch(`${incarnation.url}${CLOCK_CONTROL_PATH}`, {
    method: "POST",
    body: JSON.stringify({ offsetMs }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as { offsetMs?: number };
  if (answer.offsetMs !== offsetMs)
    throw new Error(`clock control refused: ${JSON.stringify(answer)}`);
}
