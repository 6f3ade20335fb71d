import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../support/node-server.ts";

export { freePort };

const ENTRY = fileURLToPath(new URL("../../../src/targets/node.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

type Log = Record<string, unknown>;

/** `node src/targets/node.ts` (what `npm start` runs) as a child process, with its JSON logs. */
export class NodeService {
  readonly child: ChildProcess;
  readonly port: number;
  readonly logs: Log[] = [];
  readonly spawnedAt = performance.now();
  readonly exited: Promise<number | null>;
  stderr = "";
  private readonly waiters: { match: (log: Log) => boolean; resolve: (log: Log) => void }[] = [];

  constructor(port: number, env: Record<string, string>) {
    this.port = port;
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
    let buffered = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        let log: Log;
        try {
          log = JSON.parse(line) as Log;
        } catch {
          continue;
        }
        this.logs.push(log);
        for (const waiter of [...this.waiters]) {
          if (waiter.match(log)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(log);
          }
        }
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Starts a service on a free port; `ready` waits for its "listening" log line. */
  static async start(env: Record<string, string>, ready = true): Promise<NodeService> {
    const service = new NodeService(await freePort(), env);
    if (ready) await service.ready();
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves with the first log line (past or future) matching `match`. */
  waitForLog(match: (log: Log) => boolean, timeoutMs = 15_000): Promise<Log> {
    const seen = this.logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (log) => {
          clearTimeout(timer);
          resolve(log);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before the log line; stderr: ${this.stderr}`));
      });
    });
  }

  /** Waits until the service listens; returns ms from spawn. */
  async ready(timeoutMs = 15_000): Promise<number> {
    await this.waitForLog((log) => log.msg === "listening", timeoutMs);
    return performance.now() - this.spawnedAt;
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.url}${path}`);
    return { status: response.status, text: await response.text() };
  }

  async json<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Sends `signal` and resolves with the exit code once the process is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
