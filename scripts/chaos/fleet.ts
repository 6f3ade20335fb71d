// The Node servers (`src/targets/node.ts`) a chaos run starts, on the shared process harness
// (scripts/lib/process-harness.ts).
import { freePort } from "../lib/free-port.ts";
import { NodeProcess } from "../lib/node-entry.ts";
import { killAll, type Log } from "../lib/process-harness.ts";

export type { Log };

/** Log lines kept per process (lease events); per-request warnings are only counted. */
const KEPT = /lease|listening|ready|exiting|clock/;

export { freePort };

/** Extra clean-up (temporary directories) for an interrupted run. */
export const onInterrupt = new Set<() => void>();

/** SIGKILLs every process this run started and runs the clean-ups (SIGINT, SIGTERM). */
export function killEverything(): void {
  killAll();
  for (const cleanup of onInterrupt) cleanup();
}

/** One run of a server process; a restart is a new incarnation (new `id`) on the same port. */
export class Incarnation extends NodeProcess {
  readonly id: number;
  readonly slot: number;
  /** Since its "ready" log line: listening and holding a lease (it listens before that). */
  serving = false;
  /** Refused requests as the server's "cannot issue" warnings report them (one line per second per kind, with the count held back). */
  cannotIssue = 0;

  constructor(
    id: number,
    slot: number,
    port: number,
    env: Record<string, string>,
    onLog: (incarnation: Incarnation, log: Log) => void,
  ) {
    super(env, port, { keep: (log) => KEPT.test(String(log.msg)), captureLimit: 20_000 });
    this.id = id;
    this.slot = slot;
    this.onLog((log) => {
      const message = String(log.msg);
      if (message === "cannot issue") {
        this.cannotIssue += 1 + Number(log.suppressed ?? 0);
        return;
      }
      if (message === "ready") this.serving = true;
      onLog(this, log);
    });
  }
}
