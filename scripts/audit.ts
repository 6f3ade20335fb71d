// `npm run audit:prod`: `npm audit --omit=dev`, failing on any high or critical advisory in the
// production dependencies, and failing loudly (never passing) when the audit itself cannot run:
// the bulk advisory endpoint is a POST that some registry proxies refuse (405) or that is offline.
import { execFile } from "node:child_process";

export interface AuditVerdict {
  ok: boolean;
  message: string;
}

/** Reads `npm audit --json` output: ok only with a report that counts no high or critical. */
export function auditVerdict(stdout: string): AuditVerdict {
  let report: {
    error?: unknown;
    message?: string;
    metadata?: { vulnerabilities?: Record<string, number> };
  };
  try {
    report = JSON.parse(stdout);
  } catch {
    return { ok: false, message: `npm audit gave no JSON report: ${stdout.slice(0, 300)}` };
  }
  const counts = report.metadata?.vulnerabilities;
  if (report.error !== undefined || !counts) {
    const reason = report.message ?? JSON.stringify(report.error ?? report).slice(0, 300);
    return {
      ok: false,
      message: `npm audit could not run (audit endpoint unreachable?): ${reason}`,
    };
  }
  const { high = 0, critical = 0 } = counts;
  const summary = Object.entries(counts)
    .map(([level, n]) => `${level} ${n}`)
    .join(", ");
  return high + critical === 0
    ? { ok: true, message: `npm audit --omit=dev: no high or critical advisory (${summary})` }
    : {
        ok: false,
        message: `npm audit --omit=dev: ${high} high, ${critical} critical (${summary})`,
      };
}

if (import.meta.main) {
  execFile(
    "npm",
    ["audit", "--omit=dev", "--json"],
    { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    (_error, stdout) => {
      const verdict = auditVerdict(stdout);
      (verdict.ok ? console.log : console.error)(verdict.message);
      process.exitCode = verdict.ok ? 0 : 1;
    },
  );
}
