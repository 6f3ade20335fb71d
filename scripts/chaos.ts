// `npm run chaos` (`-- --quick` for CI): many servers, one lease table, injected faults; every ID
// received is checked for duplicates. Exits 1 on any duplicate, out-of-order ID or fence breach.
// Options: --quick, --seed N, --ids N (minimum IDs), --rounds N, --report FILE (JSON),
// --runtimes node[,workers][,lambda] (default node), --store dynalite|dynamodb-local (default dynalite).
import { writeFileSync } from "node:fs";
import { killEverything } from "./chaos/fleet.ts";
import type { ChaosOptions, ChaosReport, GroupSpec, StoreName } from "./chaos/report.ts";
import { runChaos } from "./chaos/run.ts";
import { RUNTIMES, type Runtime } from "./chaos/runtimes.ts";
import { parseFlags, refuseFlags } from "./lib/flags.ts";

const USAGE = `usage: npm run chaos -- [--quick] [--seed N] [--ids N] [--rounds N] [--report FILE]
  [--runtimes node[,workers][,lambda]] [--store dynalite|dynamodb-local]`;

const values = parseFlags("chaos", USAGE, {
  quick: { type: "boolean", default: false },
  seed: { type: "string" },
  ids: { type: "string" },
  rounds: { type: "string" },
  report: { type: "string" },
  runtimes: { type: "string", default: "node" },
  store: { type: "string", default: "dynalite" },
});

function fail(message: string): never {
  return refuseFlags("chaos", USAGE, message);
}

const runtimes = values.runtimes.split(",").map((r) => r.trim()) as Runtime[];
for (const runtime of runtimes) {
  if (!RUNTIMES.includes(runtime)) fail(`unknown runtime "${runtime}" (${RUNTIMES.join(", ")})`);
}
if (!runtimes.includes("node")) fail("--runtimes must include node (Node servers always run)");
const store = values.store as StoreName;
if (store !== "dynalite" && store !== "dynamodb-local") {
  fail(`unknown store "${values.store}" (dynalite, dynamodb-local)`);
}
const lazy = {
  workers: runtimes.includes("workers") ? 2 : 0,
  lambda: runtimes.includes("lambda") ? 2 : 0,
};
const groups: GroupSpec[] =
  lazy.workers + lazy.lambda === 0
    ? // 2 worker bits: four worker IDs for six processes, so leases change hands on every fault.
      [{ name: "narrow", namespace: "chaos-narrow", layout: "custom:50/2/11/1", processes: 6 }]
    : // 3 worker bits: eight worker IDs for nine processes of every runtime in one namespace.
      [
        {
          name: "narrow",
          namespace: "chaos-narrow",
          layout: "custom:49/3/11/1",
          processes: 9,
          ...lazy,
        },
      ];
groups.push({ name: "classic", namespace: "chaos-classic", layout: "classic", processes: 2 });

const quick = values.quick;
const options: ChaosOptions = {
  mode: quick ? "quick" : "full",
  seed: values.seed ? Number(values.seed) : Date.now() % 1_000_000,
  ttlMs: 2_000,
  // Paced (at most about 25,000 IDs/s per process): plenty of IDs around every fault, and CPU left
  // for whatever else runs on the machine. Unpaced, 8 processes reach about 1M IDs/s on 2 cores.
  batch: 1_000,
  paceMs: 40,
  rounds: values.rounds ? Number(values.rounds) : quick ? 1 : 4,
  minIds: values.ids ? Number(values.ids) : quick ? 1_000_000 : 10_000_000,
  maxFaultPhaseMs: quick ? 120_000 : 900_000,
  groups,
  runtimes: [...new Set(runtimes)],
  store,
  log: (line) =>
    process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
};

function print(report: ChaosReport): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const n = (value: number) => value.toLocaleString("en");
  out("");
  out(
    `chaos ${report.mode} (seed ${report.seed}): ${report.processes} processes (${report.runtimes.join(", ")}) on ${report.store}, ${report.incarnations} incarnations, lease TTL ${report.ttlMs} ms`,
  );
  const byRuntime = (counts: Record<string, number>) =>
    report.runtimes.map((r) => `${r} ${n(counts[r] ?? 0)}`).join(", ");
  out(`IDs by runtime   ${byRuntime(report.idsByRuntime)}`);
  out(`freezes          ${byRuntime(report.freezes)}`);
  out(
    `IDs checked      ${n(report.totalIds)} in ${(report.pullMs / 1000).toFixed(1)} s (${n(report.idsPerSecond)}/s)`,
  );
  out(
    `checked in       ${(report.checkMs / 1000).toFixed(1)} s, driver RSS ${report.driverRssMb} MiB`,
  );
  out(`duplicates       ${n(report.duplicates)}`);
  out(`out of order     ${n(report.outOfOrder)} (per process, per worker ID)`);
  out(`503 answers      ${n(report.refused)} ${JSON.stringify(report.refusedByReason)}`);
  out(`connection errs  ${n(report.connectionErrors)} (killed or not yet listening processes)`);
  for (const g of report.groups) {
    const runs = g.workers
      .filter((w) => w.processes > 1)
      .map(
        (w) =>
          `worker ${w.workerId}: ${w.processes} processes, ${w.runs} runs, ${w.acquisitions} acquisitions`,
      );
    if (runs.length > 0)
      out(`  ${g.name} shared worker IDs (in ID order, one run per tenure): ${runs.join("; ")}`);
    out(
      `  ${g.name}: ${g.processes} processes on ${g.workerIds} worker IDs (${g.layout}): ${n(g.ids)} IDs, ${g.duplicates} duplicates, ${g.outOfOrder} out of order, ${g.interleaved} interleaved tenures, ${g.acquisitions} acquisitions, ${g.handovers} handovers, ${g.takenOver} taken over`,
    );
  }
  out(
    "faults (recovery: from the end of the fault until every group issues on as many worker IDs as before):",
  );
  for (const f of report.faults) {
    const recovered =
      f.recoveredAfterMs === null
        ? "not recovered in 30 s"
        : `recovered in ${f.recoveredAfterMs} ms`;
    out(
      `  ${String(f.atS).padStart(6)} s  ${f.kind.padEnd(14)} ${f.target}: lasted ${f.durationMs} ms, ${recovered}, ${f.refused} x 503`,
    );
  }
  for (const p of report.pauseChecks) {
    out(
      `pause (${p.runtime}): worker ${p.workerId} fence ${p.fenceMs}, held by paused ${p.heldByPausedProcess}, changed hands ${p.changedHands}; after SIGCONT: ${p.refusedAfterResume} refused, ${p.idsUnderLostLease} IDs under the lost lease, ${p.idsBelowFence} below the fence, ${p.idsUnderNewLease} under a new lease`,
    );
  }
  for (const d of report.storeRestarts) {
    out(
      `${report.store} restart: ${d.itemsBefore} lease items before, ${d.itemsAfter} after, same data ${d.sameData}`,
    );
  }
  out(report.ok ? "OK: no duplicates" : `FAILED: ${report.problems.join("; ")}`);
}

// Interrupted: stop every server and dynalite before leaving, never leave them running.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`chaos: ${signal}; stopping every process it started\n`);
    killEverything();
    process.exit(130);
  });
}

let report: ChaosReport;
try {
  report = await runChaos(options);
} catch (error) {
  process.stderr.write(
    `chaos run failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(2);
}
print(report);
if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.ok ? 0 : 1);
