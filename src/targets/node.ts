// Node entry (`npm start`, the container's CMD): the process around `createNodeServer`. It reads the
// environment, exits 1 on a bad config or when no worker ID can be leased, and on SIGTERM or SIGINT
// shuts down within a deadline, writes out the last log lines, and exits.
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

// Lease a worker ID before listening: no port, no readiness, until one is held.
await node.acquireLease().catch((error: unknown) => {
  node.logger.error({ err: String(error) }, "cannot lease a worker ID; exiting");
  return exit(1);
});
await node.listen().catch((error: unknown) => {
  node.logger.error({ err: String(error) }, "cannot listen; exiting");
  return exit(1);
});
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
