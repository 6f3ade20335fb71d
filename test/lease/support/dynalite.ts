import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import dynalite from "dynalite";
import { createDynamoDbClient } from "../../../src/lease/dynamodb-client.ts";
import { createLeaseTable } from "../../../src/lease/dynamodb-table.ts";

export const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * A dynalite server on a free loopback port. dynalite drops an in-memory database when it stops,
 * so a server that a test stops and restarts (an outage) keeps its data in a temporary directory.
 */
export class Dynalite {
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
    return createDynamoDbClient({
      region: "us-east-1",
      endpoint: this.endpoint,
      credentials: CREDENTIALS,
      requestHandler: handler,
    });
  }

  /** Creates a lease table with a fresh name and returns the name. */
  async table(prefix = "leases"): Promise<string> {
    const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
    const client = this.client();
    await createLeaseTable(client, name, { pollMs: 5 });
    client.destroy();
    return name;
  }
}

/** Starts dynalite on a free port; `restartable` keeps the data across `stop()`/`start()`. */
export async function startDynalite(restartable = false): Promise<Dynalite> {
  const db = new Dynalite(restartable);
  await db.start(0);
  return db;
}

type HandleArgs = Parameters<NodeHttpHandler["handle"]>;
type HandleResult = Awaited<ReturnType<NodeHttpHandler["handle"]>>;

/**
 * The client's HTTP layer with a counter and fault injection: `throttleNext` answers that many
 * requests with DynamoDB's throttling error instead of sending them.
 */
export class FaultyHandler {
  private readonly inner = new NodeHttpHandler();
  /** `X-Amz-Target` of every request (e.g. `DynamoDB_20120810.UpdateItem`), sent or faulted. */
  readonly requests: string[] = [];
  throttleNext = 0;
  throttled = 0;

  async handle(request: HandleArgs[0], options?: HandleArgs[1]): Promise<HandleResult> {
    this.requests.push(String(request.headers["x-amz-target"] ?? "").replace(/^.*\./, ""));
    if (this.throttleNext > 0) {
      this.throttleNext--;
      this.throttled++;
      const body = JSON.stringify({
        __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        message: "The level of configured provisioned throughput for the table was exceeded.",
      });
      return {
        response: {
          statusCode: 400,
          reason: "Bad Request",
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-requestid": "injected",
          },
          body: Readable.from([Buffer.from(body)]),
        },
      } as unknown as HandleResult;
    }
    return this.inner.handle(request, options);
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.inner.destroy();
  }
}
