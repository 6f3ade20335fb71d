// Node entry (`npm start`, the container's CMD): the process around `createNodeServer`. It reads the
// environment, listens at once and leases in the background, exits 1 on a bad config or when leasing
// fails in a way waiting cannot cure, and on SIGTERM or SIGINT shuts down within a deadline, writes
// out the last log lines, and exits.
import { ConfigError } from "../config.ts";
import { createNodeServer, type NodeServer } from "./node-server.ts";

const SHUTDOWN_DEADLINE_MS = 4_500;

function build(): NodeServer {
  try {
    return createNodeServer(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(1);
  }
}

const node = build();

async function exit(code: number): Promise<never> {
  await node.flushLogs();
  process.exit(code);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadline = setTimeout(() => {
    node.logger.error({}, "shutdown deadline passed; exiting");
    void exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  await node.shutdown(signal);
  await exit(0);
}

// Signals first: a pod stopped while it still waits for a lease shuts down cleanly too.
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// Listen at once; the lease comes in the background, retried for as long as the store is unreachable
// or the namespace full. Meanwhile /livez is 200 and /readyz and /generate 503: nothing restarts.
await node.start().catch((error: unknown) => {
  node.logger.error({ err: String(error) }, "cannot listen; exiting");
  return exit(1);
});
node.ready().catch((error: unknown) => {
  if (stopping) return; // shut down before a lease was held: shutdown() exits
  // Waiting cannot cure it (no table or credentials, a namespace bound to another layout).
  node.logger.error({ err: String(error) }, "cannot lease a worker ID; exiting");
  return exit(1);
});
