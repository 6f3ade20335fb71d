import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { FaultyHandler } from "./faulty-handler.ts";
import { createTestTable, testDynamoClient } from "./test-client.ts";

export { FaultyHandler };

/**
 * A dynalite server on a free loopback port. dynalite drops an in-memory database when it stops,
 * so a server that a test stops and restarts (an outage) keeps its data in a temporary directory.
 */
export class Dynalite {
  readonly kind = "dynalite";
  readonly server: ReturnType<typeof dynalite>;
  readonly path: string | undefined;
  port = 0;

  constructor(restartable = false) {
    this.path = restartable ? mkdtempSync(join(tmpdir(), "edgeflake-dynalite-")) : undefined;
    this.server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      path: this.path,
    });
  }

  /** Whether it answers (between `start()` and `stop()`). */
  get running(): boolean {
    return this.server.listening;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: a free one). */
  async start(port = this.port): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops answering (an outage): closes the listener and every open connection. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Stops for good and deletes the data directory. */
  async dispose(): Promise<void> {
    if (this.server.listening) await this.stop();
    if (this.path) rmSync(this.path, { recursive: true, force: true });
  }

  /** A client for this server; `handler` replaces the HTTP layer (fault injection, counting). */
  client(handler?: FaultyHandler): DynamoDBClient {
    return testDynamoClient(this.endpoint, handler);
  }

  /** Creates a lease table with a fresh name and returns the name. */
  table(prefix?: string): Promise<string> {
    return createTestTable(this.endpoint, prefix);
  }
}

/** Starts dynalite on a free port; `restartable` keeps the data across `stop()`/`start()`. */
export async function startDynalite(restartable = false): Promise<Dynalite> {
  const db = new Dynalite(restartable);
  await db.start(0);
  return db;
}
