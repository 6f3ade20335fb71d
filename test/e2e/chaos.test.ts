// `npm run chaos -- --quick` inside `npm test`: 8 Node servers, one dynalite lease table, every
// fault kind injected; no duplicate, every fault really happened and was recovered from.
import { describe, expect, it } from "vitest";
import { runQuick } from "./chaos-quick.ts";

const BUDGET_MS = 180_000;

describe("chaos uniqueness (npm run chaos -- --quick)", () => {
  it(
    "8 processes, shared worker IDs, kills, pauses, clock jumps and a store outage: no duplicate ID",
    async () => {
      const started = Date.now();
      const { code, output, report } = await runQuick([], BUDGET_MS - 5_000);
      const context = `seed ${report.seed}\n${output}`;
      expect(code, context).toBe(0);
      expect(report.ok, context).toBe(true);
      expect(report.processes).toBeGreaterThanOrEqual(8);
      expect(report.totalIds, context).toBeGreaterThanOrEqual(1_000_000);
      expect(report.duplicates, context).toBe(0);
      expect(report.outOfOrder, context).toBe(0);
      for (const group of report.groups) expect(group.interleaved, context).toBe(0);
      expect(Date.now() - started).toBeLessThan(BUDGET_MS);

      // Leases changed hands: fewer worker IDs than processes in one group.
      const narrow = report.groups.find((g) => g.workerIds < g.processes);
      expect(narrow, context).toBeDefined();
      expect(narrow?.handovers, context).toBeGreaterThan(0);
      expect(
        narrow?.workers.some((w) => w.processes > 1),
        context,
      ).toBe(true);

      // Every fault kind happened, and the service recovered from each.
      const kinds = new Set(report.faults.map((f) => f.kind));
      expect([...kinds].sort()).toEqual(
        ["clock-backward", "clock-forward", "dynalite", "kill", "pause"].sort(),
      );
      for (const fault of report.faults) {
        expect(fault.recoveredAfterMs, `${fault.kind} ${fault.target}\n${context}`).not.toBeNull();
      }
      for (const fault of report.faults.filter((f) => f.kind.startsWith("clock"))) {
        const offsetMs = Math.abs(Number(fault.detail.offsetMs));
        expect(offsetMs).toBeGreaterThanOrEqual(2_000);
        expect(offsetMs).toBeLessThanOrEqual(10_000);
      }
      // The paused holder lost its lease to another process, and after SIGCONT refused to issue.
      expect(report.pauseChecks.length).toBeGreaterThan(0);
      for (const pause of report.pauseChecks) {
        expect(pause.pausedMs).toBeGreaterThan(report.ttlMs);
        expect(pause.heldByPausedProcess, context).toBe(true);
        expect(pause.changedHands, context).toBe(true);
        expect(pause.refusedAfterResume, context).toBeGreaterThan(0);
        expect(pause.idsUnderLostLease, context).toBe(0);
      }
      // dynalite came back on the same port with the same data; servers answered 503 meanwhile.
      const outages = report.faults.filter((f) => f.kind === "dynalite");
      for (const outage of outages) {
        expect(outage.detail.samePort).toBe(true);
        expect(outage.detail.sameData).toBe(true);
      }
      expect(
        outages.some((o) => o.refused > 0),
        context,
      ).toBe(true);
    },
    BUDGET_MS,
  );
});
