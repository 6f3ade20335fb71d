// The processes a chaos run starts: Node servers (`src/targets/node.ts`) and one dynalite server.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/node-server.ts";

const ENTRY = fileURLToPath(new URL("../../src/targets/node.ts", import.meta.url));
const DYNALITE = fileURLToPath(new URL("./dynalite-server.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type Log = Record<string, unknown>;

/** Log lines kept per process (lease events); per-request warnings are only counted. */
const KEPT = /lease|listening|exiting|clock/;

export { freePort };

/** Every child still running, so an interrupted run can stop them all (see `killEverything`). */
const running = new Set<ChildProcess>();
/** Extra clean-up (temporary directories) for an interrupted run. */
export const onInterrupt = new Set<() => void>();

function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}

/** SIGKILLs every child this run started and runs the clean-ups (SIGINT, SIGTERM). */
export function killEverything(): void {
  for (const child of running) child.kill("SIGKILL");
  for (const cleanup of onInterrupt) cleanup();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the exit code once `child` is gone; SIGKILLs it if `signal` did not end it in time. */
export async function stopChild(
  child: ChildProcess,
  exited: Promise<unknown>,
  signal: NodeJS.Signals,
  graceMs = 6_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => {
    child.kill("SIGCONT"); // a stopped process cannot act on anything but SIGKILL and SIGCONT
    child.kill("SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** One run of a server process; a restart is a new incarnation (new `id`) on the same port. */
export class Incarnation {
  readonly id: number;
  readonly slot: number;
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: Log[] = [];
  readonly exited: Promise<number | null>;
  listening = false;
  /** Refused requests as the server's "cannot issue" warnings report them (one line per second per kind, with the count held back). */
  cannotIssue = 0;
  stderr = "";

  constructor(
    id: number,
    slot: number,
    port: number,
    env: Record<string, string>,
    onLog: (incarnation: Incarnation, log: Log) => void,
  ) {
    this.id = id;
    this.slot = slot;
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        AWS_REGION: "us-east-1",
        ...env,
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(this.child);
    let buffered = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        let log: Log;
        try {
          log = JSON.parse(line) as Log;
        } catch {
          continue;
        }
        const message = String(log.msg);
        if (message === "cannot issue") {
          this.cannotIssue += 1 + Number(log.suppressed ?? 0);
          continue;
        }
        if (message === "listening") this.listening = true;
        if (KEPT.test(message)) this.logs.push(log);
        onLog(this, log);
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    return stopChild(this.child, this.exited, signal);
  }
}

/** dynalite in a child process, its data in `path`: stop and start again on the same port. */
export class DynaliteProcess {
  readonly path: string;
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts on the port it had before (the first start picks a free one). */
  async start(timeoutMs = 15_000): Promise<void> {
    const child = spawn(process.execPath, [DYNALITE, String(this.port), this.path], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    track(child);
    this.exited = new Promise((resolve) => child.once("exit", resolve));
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dynalite not up: ${stderr}`)), timeoutMs);
      child.stdout?.on("data", (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`dynalite exited: ${stderr}`));
      });
    });
  }

  /** Closes the listener and every connection, and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, this.exited, "SIGTERM", 5_000);
    this.child = undefined;
  }
}
