// The non-Node members of a chaos run, on the process harness: a Worker in its own workerd process
// (the bundle `wrangler deploy --dry-run` builds, served by `workerd serve`, offline), and a Lambda
// execution environment (lambda-server.ts: the real handler behind API Gateway v2 events).
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "../lib/node-entry.ts";
import { type Log, ManagedProcess } from "../lib/process-harness.ts";

export type Runtime = "node" | "workers" | "lambda";
export const RUNTIMES: readonly Runtime[] = ["node", "workers", "lambda"];

/** What the driver needs of one run (incarnation) of a member, whatever its runtime. */
export interface Member {
  readonly id: number;
  readonly slot: number;
  readonly url: string;
  readonly pid: number;
  readonly alive: boolean;
  /** SIGSTOP / SIGCONT to its process group (the harness's pause and resume). */
  pause(): boolean;
  resume(): boolean;
  /** Taking requests (a Node server: since its "ready" line, once it holds a lease). */
  serving: boolean;
  stop(signal?: NodeJS.Signals): Promise<unknown>;
}

const LAMBDA_SERVER = fileURLToPath(new URL("./lambda-server.ts", import.meta.url));
const require = createRequire(import.meta.url);
const WORKERD = join(dirname(require.resolve("workerd/package.json")), "bin", "workerd");
const WRANGLER = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
/** wrangler.toml's; workerd refuses a date later than its own. */
const COMPATIBILITY_DATE = "2026-11-01";

/** Bundles the Worker once per run, as `npm run build:worker` does (no network needed). */
export async function buildWorker(outDir: string): Promise<string> {
  const build = new ManagedProcess({
    command: process.execPath,
    args: [WRANGLER, "deploy", "--dry-run", "--outdir", outDir, "--env="],
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  const code = await build.exited;
  if (code !== 0)
    throw new Error(`wrangler build failed (${code}):\n${build.output.slice(-2_000)}`);
  return join(outDir, "worker.js");
}

abstract class ChaosMember extends ManagedProcess implements Member {
  readonly id: number;
  readonly slot: number;
  readonly url: string;
  /** Workers and Lambda lease on their first request: they serve once they listen. */
  serving = false;

  constructor(
    id: number,
    slot: number,
    port: number,
    spec: ConstructorParameters<typeof ManagedProcess>[0],
    onLog: (member: Member, log: Log) => void,
  ) {
    super({ ...spec, keep: (log) => /lease|listening/.test(String(log.msg)) });
    this.id = id;
    this.slot = slot;
    this.url = `http://127.0.0.1:${port}`;
    this.onLog((log) => {
      if (log.msg === "listening") this.serving = true;
      onLog(this, log);
    });
  }
}

/** One Lambda execution environment (lambda-server.ts) on `port`. */
export class LambdaMember extends ChaosMember {
  constructor(
    id: number,
    slot: number,
    port: number,
    env: Record<string, string>,
    onLog: (member: Member, log: Log) => void,
  ) {
    const variables = { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env };
    const spec = { command: process.execPath, args: [LAMBDA_SERVER, String(port)], cwd: ROOT };
    super(id, slot, port, { ...spec, env: { ...variables, AWS_REGION: "us-east-1" } }, onLog);
  }
}

/** One Worker: its own workerd process serving `bundle` on `port`, bindings from `env`. */
export class WorkersMember extends ChaosMember {
  constructor(
    id: number,
    slot: number,
    port: number,
    bundle: string,
    env: Record<string, string>,
    onLog: (member: Member, log: Log) => void,
  ) {
    const config = join(dirname(bundle), `workerd-${id}.capnp`);
    writeFileSync(config, capnp(port, { LOG_LEVEL: "info", AWS_REGION: "us-east-1", ...env }));
    // --verbose: workerd prints the Worker's console.log lines (the lease log) on stdout.
    const spec = { command: WORKERD, args: ["serve", config, "--verbose"], cwd: dirname(bundle) };
    super(id, slot, port, { ...spec, env: { PATH: process.env.PATH ?? "" } }, onLog);
    void this.waitListening(port);
  }

  /** workerd logs nothing when its socket is up: poll it. */
  private async waitListening(port: number): Promise<void> {
    while (this.alive && !this.serving) {
      if (await accepts(port)) this.serving = true;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A workerd config: the bundle as the `main` service, loopback outbound allowed (the store). */
function capnp(port: number, bindings: Record<string, string>): string {
  const text = Object.entries(bindings)
    .map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`)
    .join(", ");
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [${text}],
  globalOutbound = "internet",
);
`;
}
