// `npm run chaos -- --quick --runtimes node,workers,lambda --store dynamodb-local` inside `npm test`:
// Node servers, two Workers (each its own workerd) and two Lambda environments (the real handler
// behind API Gateway v2 events) in one namespace on Amazon's DynamoDB Local; every runtime frozen
// past its lease, Workers and Lambda killed, a Node server stopped with SIGTERM and its clock
// set back, the store killed.
import { describe, expect, it } from "vitest";
import { runQuick } from "./chaos-quick.ts";

const BUDGET_MS = 150_000;
const RUNTIMES = ["lambda", "node", "workers"] as const;

describe("chaos across runtimes (npm run chaos -- --quick --runtimes node,workers,lambda)", () => {
  it(
    "Node, Workers and Lambda holders in one namespace on DynamoDB Local: no duplicate ID",
    async () => {
      const args = ["--runtimes", "node,workers,lambda", "--store", "dynamodb-local"];
      const { code, output, report } = await runQuick(args, BUDGET_MS - 5_000);
      const context = `seed ${report.seed}\n${output}`;
      expect(code, context).toBe(0);
      expect(report.ok, context).toBe(true);
      expect(report.store).toBe("dynamodb-local");
      expect(report.totalIds, context).toBeGreaterThanOrEqual(1_000_000);
      expect(report.duplicates, context).toBe(0);
      expect(report.outOfOrder, context).toBe(0);
      for (const group of report.groups) expect(group.interleaved, context).toBe(0);

      // One namespace holds every runtime, with fewer worker IDs than processes.
      const narrow = report.groups.find((g) => g.workerIds < g.processes);
      expect(narrow?.handovers, context).toBeGreaterThan(0);
      for (const runtime of RUNTIMES) {
        expect(report.idsByRuntime[runtime], `${runtime}\n${context}`).toBeGreaterThan(0);
        // Each runtime frozen past its TTL at least once, then killed (SIGTERM for Node).
        expect(report.freezes[runtime], `${runtime}\n${context}`).toBeGreaterThanOrEqual(1);
        const ended = report.faults.filter(
          (f) => f.runtime === runtime && /kill|term/.test(f.kind),
        );
        expect(ended.length, `${runtime}\n${context}`).toBeGreaterThanOrEqual(1);
      }
      expect(report.faults.some((f) => f.kind === "term" && f.detail.exitCode === 0)).toBe(true);
      // Clock shifts go to Node only (the test-only clock control is a Node feature).
      const clocks = report.faults.filter((f) => f.kind.startsWith("clock"));
      expect(clocks.length, context).toBeGreaterThan(0);
      for (const clock of clocks) expect(clock.runtime).toBe("node");
      for (const fault of report.faults) {
        expect(fault.recoveredAfterMs, `${fault.kind} ${fault.target}\n${context}`).not.toBeNull();
      }
      // A frozen holder lost its lease to another process and issued nothing under it after SIGCONT.
      for (const pause of report.pauseChecks) {
        expect(pause.pausedMs).toBeGreaterThan(report.ttlMs);
        expect(pause.heldByPausedProcess, `${pause.runtime}\n${context}`).toBe(true);
        expect(pause.changedHands, `${pause.runtime}\n${context}`).toBe(true);
        expect(pause.idsUnderLostLease, `${pause.runtime}\n${context}`).toBe(0);
      }
      // DynamoDB Local, SIGKILLed, came back on the same port with its data from disk.
      const outages = report.faults.filter((f) => f.kind === "dynamodb-local");
      expect(outages.length).toBeGreaterThan(0);
      for (const outage of outages) {
        expect(outage.detail.samePort).toBe(true);
        expect(outage.detail.sameData).toBe(true);
        expect(outage.refused, context).toBeGreaterThan(0);
      }
    },
    BUDGET_MS,
  );
});
