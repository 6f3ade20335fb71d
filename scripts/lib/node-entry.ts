// The Node entry (`node src/targets/node.ts`, what `npm start` and the container run) on the
// process harness: a loopback port, the defaults every caller wants, and a wait for "ready".
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";
import { type Log, ManagedProcess, type ProcessSpec } from "./process-harness.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const NODE_ENTRY = fileURLToPath(new URL("../../src/targets/node.ts", import.meta.url));

/** Loopback, `port`, info logs, a region for the AWS SDK; the caller's variables win. */
export function nodeEntrySpec(
  env: Record<string, string>,
  port: number,
  extra: Omit<ProcessSpec, "command" | "args" | "env" | "cwd"> = {},
): ProcessSpec {
  return {
    ...extra,
    command: process.execPath,
    args: [NODE_ENTRY],
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      AWS_REGION: "us-east-1",
      PORT: String(port),
      ...env,
    },
  };
}

/** A Node entry process on `port`, with its URL and a few request helpers. */
export class NodeProcess extends ManagedProcess {
  readonly port: number;
  /** ms from spawn to the "ready" log line, once `ready` has seen it. */
  readyMs = Number.NaN;

  constructor(
    env: Record<string, string>,
    port: number,
    extra?: Omit<ProcessSpec, "command" | "args" | "env" | "cwd">,
  ) {
    super(nodeEntrySpec(env, port, extra));
    this.port = port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Waits for the "ready" log line (listening, and with leasing a lease held; "listening" alone
   * comes first, since the entry listens at once); returns ms from spawn.
   */
  async ready(timeoutMs = 15_000): Promise<number> {
    await this.waitForLog((log: Log) => log.msg === "ready", timeoutMs);
    this.readyMs = performance.now() - this.spawnedAt;
    return this.readyMs;
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
}

/** Spawns the Node entry on `env.PORT` or a free port; `ready` (default) waits until it can issue. */
export async function startNodeEntry(
  env: Record<string, string>,
  options: { ready?: boolean; timeoutMs?: number } = {},
): Promise<NodeProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const server = new NodeProcess(env, port);
  if (options.ready ?? true) {
    try {
      await server.ready(options.timeoutMs);
    } catch (error) {
      await server.stop("SIGKILL");
      throw error;
    }
  }
  return server;
}

/**
 * Runs the Node entry to its end (it is expected to refuse to start): exit code and output. `port`
 * is the free port it was given unless `env.PORT` (kept as written, valid or not) replaces it.
 */
export async function runNodeEntryToExit(
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string; port: number }> {
  const port = await freePort();
  const server = new NodeProcess(env, port);
  const timer = setTimeout(() => server.signal("SIGKILL"), timeoutMs);
  const code = await server.exited;
  clearTimeout(timer);
  return { code, stdout: server.stdout, stderr: server.stderr, port };
}
