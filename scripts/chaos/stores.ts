// The lease store of a chaos run, in its own process with its data on disk, so an outage (stop,
// then start on the same port) keeps every lease item: dynalite, or Amazon's DynamoDB Local.
import { DynamoDbLocal } from "../lib/dynamodb-local.ts";
import { DynaliteProcess } from "./fleet.ts";
import type { StoreName } from "./report.ts";
import type { StoreProcess } from "./state.ts";

class Dynalite implements StoreProcess {
  readonly name = "dynalite";
  private readonly process: DynaliteProcess;

  constructor(dir: string) {
    this.process = new DynaliteProcess(dir);
  }

  get endpoint(): string {
    return this.process.endpoint;
  }

  start(): Promise<void> {
    return this.process.start();
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  dispose(): Promise<void> {
    return this.process.stop();
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
