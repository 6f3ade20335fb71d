// Node entry (`npm start`): the long-lived container target. Builds deps, serves, shuts down cleanly.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import pino from "pino";
import { collectDefaultMetrics } from "prom-client";
import packageJson from "../../package.json" with { type: "json" };
import { ConfigError, parseConfig, redactedConfig } from "../config.ts";
import { startDemoLoad } from "../demo-load.ts";
import { leaseHealthFacts } from "../lease/lazy-health.ts";
import type { Leaser } from "../lease/leaser.ts";
import { createNodeLeaser } from "../lease/node.ts";
import { createService } from "../service.ts";
import { systemClock } from "../system-clock.ts";
import { CLOCK_CONTROL_PATH, ClockControl } from "./clock-control.ts";
import { answerClientError, MAX_HEADER_BYTES, nodeErrorHandler } from "./node-errors.ts";

const SHUTDOWN_DEADLINE_MS = 4_500;

function loadConfig() {
  try {
    return parseConfig(process.env, Date.now());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(1);
  }
}

const config = loadConfig();
const logger = pino({ level: config.logLevel, base: { service: "edgeflake" } });
// Test only: a shiftable clock for chaos runs. Off unless CLOCK_CONTROL=unsafe-test-only.
const clockControl = config.clockControl ? new ClockControl(systemClock) : undefined;
const clock = clockControl?.clock ?? systemClock;
if (clockControl) {
  const warning = `CLOCK_CONTROL=unsafe-test-only: POST ${CLOCK_CONTROL_PATH} shifts this process's clock. TEST ONLY: IDs are not safe to use`;
  process.stderr.write(`WARNING ${warning}\n`);
  logger.warn({ clockControl: true }, warning);
}
let leaser: Leaser | undefined;
const { app, generator, registry } = createService(config, {
  clock,
  logger,
  runtime: "node",
  version: packageJson.version,
  healthChecks: config.lease ? [(nowMs) => leaser?.healthCheck(nowMs) ?? null] : undefined,
  healthFacts: config.lease
    ? (nowMs) => ({ lease: leaser && leaseHealthFacts(leaser, nowMs) })
    : undefined,
});
collectDefaultMetrics({ register: registry });
if (config.lease) {
  // Lease a worker ID before listening: no port, no readiness, until one is held (renewed on a timer).
  leaser = createNodeLeaser(config.lease, { generator, clock, logger, registry });
  await leaser.start().catch((error: unknown) => {
    logger.error({ err: String(error) }, "cannot lease a worker ID; exiting");
    process.exit(1);
  });
}

const stopDemoLoad = startDemoLoad(config.demoLoad, (count) => generator.nextBatchAsync(count));

// @hono/node-server's listener on a plain node:http server (what its `serve` does), plus problem+json
// answers for requests that never reach the app (node-errors.ts).
const listener = getRequestListener(clockControl ? clockControl.wrap(app.fetch) : app.fetch, {
  hostname: config.host,
  errorHandler: nodeErrorHandler(logger),
});
const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, listener);
server.on("clientError", answerClientError);
server.listen(config.port, config.host, () => {
  const info = server.address() as AddressInfo;
  logger.info(
    {
      port: info.port,
      address: info.address,
      config: redactedConfig(config),
      workerId: generator.workerId,
    },
    "listening",
  );
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const deadline = setTimeout(() => {
    logger.error({}, "shutdown deadline passed; exiting");
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  stopDemoLoad();
  // Stop accepting; in-flight requests finish. Keep-alive sockets are closed as soon as they go idle.
  await new Promise<void>((resolve) => {
    const closeIdle = () =>
      "closeIdleConnections" in server ? server.closeIdleConnections() : undefined;
    const sweeper = setInterval(closeIdle, 50);
    server.close(() => {
      clearInterval(sweeper);
      resolve();
    });
    closeIdle();
  });
  // Release after the last request: the next holder of this worker ID may start at once.
  await leaser?.stop();
  logger.info({ generated: generator.stats.generated }, "stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
