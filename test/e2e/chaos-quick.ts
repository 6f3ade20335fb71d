// Runs `scripts/chaos.ts --quick` for the chaos tests on the process harness; a timeout stops
// every server, workerd and JVM it started.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChaosReport } from "../../scripts/chaos/report.ts";
import { ManagedProcess } from "../../scripts/lib/process-harness.ts";

const SCRIPT = fileURLToPath(new URL("../../scripts/chaos.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface QuickRun {
  code: number | null;
  output: string;
  report: ChaosReport;
}

/** `chaos --quick` with `args`; rejects when it outlives `budgetMs` or writes no report. */
export async function runQuick(args: string[], budgetMs: number): Promise<QuickRun> {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-chaos-test-"));
  const reportPath = join(dir, "report.json");
  const child = new ManagedProcess({
    command: process.execPath,
    args: [SCRIPT, "--quick", "--report", reportPath, ...args],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "" },
  });
  // On timeout, SIGTERM: the driver SIGKILLs every server, workerd and JVM (each in its own
  // process group) before it exits; after 3 s its own group goes.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop("SIGTERM", 3_000);
  }, budgetMs);
  try {
    const code = await child.exited;
    if (timedOut) throw new Error(`chaos --quick took over ${budgetMs} ms:\n${child.output}`);
    let report: ChaosReport;
    try {
      report = JSON.parse(readFileSync(reportPath, "utf8")) as ChaosReport;
    } catch {
      throw new Error(`chaos --quick exited ${code} without a report:\n${child.output}`);
    }
    return { code, output: child.output, report };
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}
