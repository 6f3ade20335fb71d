// The one process harness for tests, chaos runs and benchmarks: spawn any command (Node entry,
// wrangler/workerd, a Lambda emulator, dynalite), capture its output, wait for log lines, pause it,
// and kill its whole process group. Runtime-agnostic: a command, its arguments and its environment.
import { type ChildProcess, spawn } from "node:child_process";

/** One JSON log line (pino prints one object per line). */
export type Log = Record<string, unknown>;

export interface ProcessSpec {
  command: string;
  args?: readonly string[];
  /** The child's whole environment; `process.env` when left out. */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Which JSON lines `logs` keeps (all by default); listeners and waiters see every line. */
  keep?: (log: Log) => boolean;
  /** Characters kept of stdout, of stderr and of both (default 1 MiB each): the latest ones. */
  captureLimit?: number;
  /** Its own process group (default), so signals reach every process it starts in turn. */
  detached?: boolean;
}

type Stream = "stdout" | "stderr";

/** Every process still running, so an interrupted run (or this process exiting) stops them all. */
const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

/** SIGKILLs every process the harness started that is still running (synchronous). */
export function killAll(): void {
  for (const managed of [...running]) managed.signal("SIGKILL");
}

/** A spawned process: its output, its JSON log lines, waiters on both, signals to its group. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly spec: ProcessSpec;
  /** `performance.now()` at spawn. */
  readonly spawnedAt = performance.now();
  /** The JSON lines printed on stdout so far (those `spec.keep` accepts). */
  readonly logs: Log[] = [];
  /** The exit code (null when a signal ended it), once the process is gone and its output read. */
  readonly exited: Promise<number | null>;
  private out = "";
  private err = "";
  private both = "";
  private readonly logListeners = new Set<(log: Log) => void>();
  private readonly lineListeners = new Set<(line: string, stream: Stream) => void>();

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    if (!exitHookInstalled) {
      // Detached children do not die with their parent's terminal: take them along on exit.
      process.once("exit", killAll);
      exitHookInstalled = true;
    }
    this.child = spawn(spec.command, [...(spec.args ?? [])], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: spec.detached ?? true,
    });
    running.add(this);
    this.exited = new Promise((resolve) => {
      // "close", not "exit": every line it printed has been read by then.
      this.child.once("close", (code) => {
        running.delete(this);
        resolve(code);
      });
      // A command that cannot be spawned emits "error" and no "exit".
      this.child.once("error", (error) => {
        this.err += String(error);
        running.delete(this);
        resolve(null);
      });
    });
    this.read("stdout");
    this.read("stderr");
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything captured on stdout (up to `captureLimit`). */
  get stdout(): string {
    return this.out;
  }

  /** Everything captured on stderr (up to `captureLimit`). */
  get stderr(): string {
    return this.err;
  }

  /** stdout and stderr as they arrived, interleaved (up to `captureLimit`). */
  get output(): string {
    return this.both;
  }

  /** Calls `listener` with every JSON line from now on; returns the unsubscribe. */
  onLog(listener: (log: Log) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Calls `listener` with every output line (JSON or not) from now on; returns the unsubscribe. */
  onLine(listener: (line: string, stream: Stream) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** The first JSON line, kept or future, matching `match`; rejects on timeout or exit. */
  waitForLog(match: (log: Log) => boolean, timeoutMs = 15_000): Promise<Log> {
    const seen = this.logs.find(match);
    if (seen) return Promise.resolve(seen);
    return this.waitFor((resolve) => this.onLog((log) => match(log) && resolve(log)), timeoutMs);
  }

  /** The first output line, captured or future, matching `pattern`; its match. */
  waitForLine(pattern: RegExp, stream: Stream = "stdout", timeoutMs = 15_000) {
    const captured = stream === "stdout" ? this.out : this.err;
    for (const line of captured.split("\n")) {
      const seen = pattern.exec(line);
      if (seen) return Promise.resolve(seen);
    }
    return this.waitFor<RegExpExecArray>(
      (resolve) =>
        this.onLine((line, from) => {
          const found = from === stream ? pattern.exec(line) : null;
          if (found) resolve(found);
        }),
      timeoutMs,
    );
  }

  /** Sends `signal` to the process group (or the process, if not detached); false if gone. */
  signal(signal: NodeJS.Signals): boolean {
    // Until "close", the group may outlive its leader (a child holding the pipes): signal it too.
    if (this.pid < 0 || !running.has(this)) return false;
    try {
      process.kill((this.spec.detached ?? true) ? -this.pid : this.pid, signal);
      return true;
    } catch {
      return false; // already gone (ESRCH)
    }
  }

  /** SIGSTOP: the process stays, but runs no code (no timers, no renewals) until `resume`. */
  pause(): boolean {
    return this.signal("SIGSTOP");
  }

  resume(): boolean {
    return this.signal("SIGCONT");
  }

  /**
   * Sends `signal` and resolves with the exit code once the process is gone; SIGKILLs the group if
   * it is still there after `graceMs` (a paused process gets SIGCONT first: it cannot act on more).
   */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 6_000): Promise<number | null> {
    if (this.signal(signal) && signal !== "SIGKILL") {
      const timer = setTimeout(() => {
        this.signal("SIGCONT");
        this.signal("SIGKILL");
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  private waitFor<T>(
    subscribe: (resolve: (value: T) => void) => () => void,
    timeoutMs: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
      };
      const unsubscribe = subscribe((value) => {
        done();
        resolve(value);
      });
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.describe()}: no matching line in ${timeoutMs} ms${this.tail()}`));
      }, timeoutMs);
      void this.exited.then((code) => {
        done();
        reject(new Error(`${this.describe()} exited with ${code} first${this.tail()}`));
      });
    });
  }

  private describe(): string {
    return `${[this.spec.command, ...(this.spec.args ?? [])].join(" ")} (pid ${this.pid})`;
  }

  private tail(): string {
    return this.err ? `; stderr: ${this.err.slice(-2_000)}` : "";
  }

  private read(stream: Stream): void {
    const limit = this.spec.captureLimit ?? 1_048_576;
    let buffered = "";
    this.child[stream]?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      const keep = (kept: string) =>
        kept.length + text.length > limit ? (kept + text).slice(-limit) : kept + text;
      if (stream === "stdout") this.out = keep(this.out);
      else this.err = keep(this.err);
      this.both = keep(this.both);
      buffered += text;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) this.line(line, stream);
    });
  }

  private line(line: string, stream: Stream): void {
    for (const listener of [...this.lineListeners]) listener(line, stream);
    if (stream !== "stdout" || !line.startsWith("{")) return;
    let log: Log;
    try {
      log = JSON.parse(line) as Log;
    } catch {
      return; // not a log line
    }
    if (this.spec.keep?.(log) ?? true) this.logs.push(log);
    for (const listener of [...this.logListeners]) listener(log);
  }
}

/** Spawns `spec` (see `ManagedProcess`). */
export function spawnProcess(spec: ProcessSpec): ManagedProcess {
  return new ManagedProcess(spec);
}

/**
 * One logical instance across restarts: each `start` is a new incarnation of the same spec (the
 * spec function sees its number, e.g. to keep the port and change nothing else).
 */
export class Instance<P extends ManagedProcess = ManagedProcess> {
  readonly incarnations: P[] = [];
  private readonly launch: (incarnation: number) => P;

  constructor(launch: (incarnation: number) => P) {
    this.launch = launch;
  }

  /** The latest incarnation (undefined before the first `start`). */
  get current(): P | undefined {
    return this.incarnations.at(-1);
  }

  /** Starts the next incarnation; throws if the current one still runs. */
  start(): P {
    if (this.current?.alive) throw new Error(`incarnation ${this.incarnations.length} still runs`);
    const next = this.launch(this.incarnations.length);
    this.incarnations.push(next);
    return next;
  }

  /** Stops the current incarnation with `signal` (SIGKILL: a crash), then starts the next. */
  async restart(signal: NodeJS.Signals = "SIGKILL", graceMs?: number): Promise<P> {
    await this.current?.stop(signal, graceMs);
    return this.start();
  }

  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs?: number): Promise<number | null> {
    return (await this.current?.stop(signal, graceMs)) ?? null;
  }
}
