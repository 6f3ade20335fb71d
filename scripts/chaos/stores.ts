// The lease store of a chaos run, in its own process with its data on disk, so an outage (stop,
// then start on the same port) keeps every lease item: dynalite, or Amazon's DynamoDB Local.
import { fileURLToPath } from "node:url";
import { DynamoDbLocal } from "../lib/dynamodb-local.ts";
import { ROOT } from "../lib/node-entry.ts";
import { ManagedProcess } from "../lib/process-harness.ts";
import type { StoreName } from "./report.ts";
import type { StoreProcess } from "./state.ts";

const DYNALITE = fileURLToPath(new URL("./dynalite-server.ts", import.meta.url));

/** dynalite in a child process, its data in `path`: stop and start again on the same port. */
class Dynalite implements StoreProcess {
  readonly name = "dynalite";
  readonly path: string;
  port = 0;
  private process: ManagedProcess | undefined;

  constructor(path: string) {
    this.path = path;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts on the port it had before (the first start picks a free one). */
  async start(timeoutMs = 15_000): Promise<void> {
    this.process = new ManagedProcess({
      command: process.execPath,
      args: [DYNALITE, String(this.port), this.path],
      cwd: ROOT,
    });
    const [, port] = await this.process.waitForLine(/listening (\d+)/, "stdout", timeoutMs);
    this.port = Number(port);
  }

  /** Closes the listener and every connection, and waits for the process to exit. */
  async stop(): Promise<void> {
    await this.process?.stop("SIGTERM", 5_000);
    this.process = undefined;
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}

/** DynamoDB Local on disk (`-dbPath`); an outage SIGKILLs the JVM, as a crash would. */
class DynamoDbLocalStore implements StoreProcess {
  readonly name = "dynamodb-local";
  private readonly dir: string;
  private server: DynamoDbLocal | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  get endpoint(): string {
    return this.server?.endpoint ?? "";
  }

  async start(): Promise<void> {
    if (this.server) await this.server.restart();
    else this.server = await DynamoDbLocal.start({ dbPath: this.dir });
  }

  async stop(): Promise<void> {
    await this.server?.stop("SIGKILL");
  }

  async dispose(): Promise<void> {
    await this.server?.dispose();
  }
}

/** The store `name`, keeping its data in `dir` (the caller removes it). */
export function createStore(name: StoreName, dir: string): StoreProcess {
  return name === "dynalite" ? new Dynalite(dir) : new DynamoDbLocalStore(dir);
}
