// Kubernetes-style probes. /livez answers whether the process works, /readyz whether it should get
// traffic now; /health keeps its broader meaning (every detected issue, with reasons).
import type { Context } from "hono";
import type { AppDeps } from "./deps.ts";
import { readinessIssues } from "./health.ts";
import { wantsJson } from "./negotiate.ts";

/**
 * `GET /livez`: 200 whenever the process answers at all (its event loop turns). Deliberately tied to
 * nothing else, not the lease store, the lease or the clock: a restart cures none of those, and
 * restarting every pod during a store outage would only delay recovery.
 */
export function livez(c: Context): Response {
  if (wantsJson(c.req.header("Accept"))) return c.json({ status: "ok" });
  return c.text("OK: live");
}

/**
 * `GET /readyz`: 200 when this instance should get traffic, 503 with the reasons (public parts
 * only, like unauthenticated /health) while a leasing instance has no lease or it is about to
 * lapse. Static `WORKER_ID`: always ready. Reads memory only: never a store round trip or a lease.
 */
export function readyz(c: Context, deps: AppDeps): Response {
  const issues = readinessIssues(deps);
  const status = issues.length === 0 ? 200 : 503;
  const workerId = deps.generator.workerId;
  if (wantsJson(c.req.header("Accept"))) {
    return c.json({ status: status === 200 ? "ok" : "unavailable", workerId, issues }, status);
  }
  if (status === 200) return c.text(workerId >= 0 ? `OK: ready (worker ${workerId})` : "OK: ready");
  return c.text(`NOT READY: ${issues.map((i) => `${i.check}: ${i.detail}`).join("; ")}`, 503);
}
