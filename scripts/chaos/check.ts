// The checks once the driver stopped: every group's IDs merged per worker ID (duplicates, one run
// per tenure), plus the order and fence counts booked while pulling, as report entries and problems.

import type { ChaosReport, GroupReport, PauseCheck } from "./report.ts";
import type { Member } from "./runtimes.ts";
import type { Chaos, Group } from "./state.ts";

function checkGroup(group: Group, incarnations: Member[]): GroupReport {
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
}

/** What makes a run fail (exit code 1); empty when it passed. */
function problemsOf(
  groups: GroupReport[],
  outOfOrder: number,
  pauseChecks: PauseCheck[],
): string[] {
  const problems: string[] = [];
  const duplicates = groups.reduce((sum, g) => sum + g.duplicates, 0);
  if (duplicates > 0) problems.push(`${duplicates} duplicate IDs`);
  if (outOfOrder > 0) problems.push(`${outOfOrder} IDs out of order`);
  for (const group of groups) {
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
  return problems;
}

/** Checks every ID and builds the report (run.ts prints nothing itself). */
export function report(chaos: Chaos, members: Member[], pullMs: number): ChaosReport {
  const { options, counters } = chaos;
  const pauseChecks = chaos.watches.map(({ incarnation: _, closed: __, ...check }) => check);
  options.log("checking every ID ...");
  const checkStartedAt = Date.now();
  const groups = chaos.groups.map((group) => checkGroup(group, members));
  const checkMs = Date.now() - checkStartedAt;
  const totalIds = groups.reduce((sum, g) => sum + g.ids, 0);
  const problems = problemsOf(groups, counters.outOfOrder, pauseChecks);
  const freezes = { node: 0, workers: 0, lambda: 0 };
  for (const check of pauseChecks) freezes[check.runtime]++;
  return {
    mode: options.mode,
    seed: options.seed,
    runtimes: options.runtimes,
    store: options.store,
    idsByRuntime: chaos.idsByRuntime,
    freezes,
    ttlMs: options.ttlMs,
    batch: options.batch,
    processes: chaos.slots.length,
    incarnations: members.length,
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
    storeRestarts: chaos.storeRestarts,
    ok: problems.length === 0,
    problems,
  };
}
