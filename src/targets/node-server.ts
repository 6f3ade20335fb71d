// The Node target as a factory: `createNodeServer(env, options)` builds the service, its leaser and
// an HTTP server without touching the process (no exit, no signals), so tests can run it in-process.
// `node.ts` is the `main` around it. Start-up listens at once and leases in the background (`start`),
// so probes see a live process from the first second: /livez 200, /readyz 503 until a lease is held.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import pino from "pino";
import { collectDefaultMetrics, type Registry } from "prom-client";
import packageJson from "../../package.json" with { type: "json" };
import { type AppConfig, parseConfig, redactedConfig } from "../config.ts";
import type { Clock } from "../core/clock.ts";
import type { SnowflakeGenerator } from "../core/generator.ts";
import { startDemoLoad } from "../demo-load.ts";
import type { LeaseStore } from "../lease/index.ts";
import { leaseHealthFacts } from "../lease/lazy-health.ts";
import type { Leaser } from "../lease/leaser.ts";
import { createNodeLeaser } from "../lease/node.ts";
import { type Logger, pinoOptions } from "../log.ts";
import { createService } from "../service.ts";
import { nodeClock } from "../system-clock.ts";
import { BodyPool, pooledBodyBuffer } from "./body-pool.ts";
import { CLOCK_CONTROL_PATH, ClockControl } from "./clock-control.ts";
import { answerClientError, MAX_HEADER_BYTES, nodeErrorHandler } from "./node-errors.ts";

export interface NodeServerOptions {
  /** Base clock (default: `nodeClock`, the system clock with `yieldTurn`); `CLOCK_CONTROL` shifts it. */
  clock?: Clock;
  /** Default: pino JSON lines on stdout at `LOG_LEVEL`. */
  logger?: Logger;
  /** Overrides `PORT` (0: any free port, see `port` after `listen`). */
  port?: number;
  /** Overrides `HOST`. */
  host?: string;
  /** A lease store instead of DynamoDB (tests); used only with `LEASE_TABLE`. */
  store?: LeaseStore;
  /** prom-client's process metrics on the registry (default true). */
  processMetrics?: boolean;
  /** Where the CLOCK_CONTROL warning goes besides the log (default: stderr). */
  warn?: (line: string) => void;
  /** Default: `Date.now()`, for parsing the configuration (the epoch check). */
  nowMs?: number;
}

export interface NodeServer {
  readonly config: AppConfig;
  readonly server: Server;
  /** Undefined in static mode (`WORKER_ID`). */
  readonly leaser: Leaser | undefined;
  readonly generator: SnowflakeGenerator;
  readonly registry: Registry;
  readonly logger: Logger;
  /** What the server answers with (the app, behind the clock route with CLOCK_CONTROL), no socket. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** The bound port once listening (the configured one before). */
  readonly port: number;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** Leases a worker ID (with `LEASE_TABLE`; renewed on a timer from then on). */
  acquireLease(): Promise<void>;
  /** Listens on the configured host and port; logs "listening" with the effective config. */
  listen(): Promise<AddressInfo>;
  /**
   * `listen`, then `acquireLease` in the background (retried while waiting can cure the failure):
   * resolves once listening. `ready` tells when IDs can be issued.
   */
  start(): Promise<AddressInfo>;
  /**
   * After `start`: resolves once listening with a lease held (at once in static mode) and logs
   * "ready"; rejects when leasing failed for good (no table or credentials, a namespace bound to
   * another layout) or stopped before a lease was held.
   */
  ready(): Promise<void>;
  /**
   * Stops the demo load, closes the server (in-flight requests finish, idle keep-alive sockets
   * close), then releases the lease and logs "stopped". Idempotent: one shutdown per server.
   */
  shutdown(signal?: string): Promise<void>;
  /** Writes out buffered log lines (the default logger); resolves at once otherwise. */
  flushLogs(): Promise<void>;
}

/**
 * Builds the Node target from `env` (as `process.env`); throws `ConfigError` on a bad value.
 * Nothing listens and no lease is taken until `start` (or `listen` and `acquireLease`).
 */
export function createNodeServer(
  env: Readonly<Record<string, unknown>>,
  options: NodeServerOptions = {},
): NodeServer {
  const config = parseConfig(env, options.nowMs ?? Date.now());
  const ownLogger = options.logger
    ? undefined
    : pino(pinoOptions(config.logLevel, { service: "edgeflake", runtime: "node" }));
  const logger: Logger = options.logger ?? (ownLogger as Logger);
  // Test only: a shiftable clock for chaos runs. Off unless CLOCK_CONTROL=unsafe-test-only.
  const baseClock = options.clock ?? nodeClock;
  const clockControl = config.clockControl ? new ClockControl(baseClock) : undefined;
  const clock = clockControl?.clock ?? baseClock;
  if (clockControl) {
    const warning = `CLOCK_CONTROL=unsafe-test-only: POST ${CLOCK_CONTROL_PATH} shifts this process's clock. TEST ONLY: IDs are not safe to use`;
    (options.warn ?? ((line) => process.stderr.write(line)))(`WARNING ${warning}\n`);
    logger.warn({ clockControl: true }, warning);
  }
  let leaser: Leaser | undefined;
  const { app, generator, registry } = createService(config, {
    clock,
    logger,
    runtime: "node",
    version: packageJson.version,
    bodyBuffer: pooledBodyBuffer(new BodyPool()),
    healthChecks: config.lease ? [(nowMs) => leaser?.healthCheck(nowMs) ?? null] : undefined,
    readinessChecks: config.lease ? [(nowMs) => leaser?.readinessCheck(nowMs) ?? null] : undefined,
    healthFacts: config.lease
      ? (nowMs) => ({ lease: leaser && leaseHealthFacts(leaser, nowMs) })
      : undefined,
  });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  if (config.lease) {
    leaser = createNodeLeaser(config.lease, {
      generator,
      clock,
      logger,
      registry,
      store: options.store,
    });
  }
  const host = options.host ?? config.host;
  let port = options.port ?? config.port;

  // @hono/node-server's listener on a plain node:http server (what its `serve` does), plus
  // problem+json answers for requests that never reach the app (node-errors.ts).
  const fetch = clockControl ? clockControl.wrap(app.fetch) : app.fetch;
  const listener = getRequestListener(fetch, {
    hostname: host,
    errorHandler: nodeErrorHandler(logger),
  });
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, listener);
  server.on("clientError", answerClientError);
  let stopDemoLoad: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  let readiness: Promise<void> | undefined;

  const listen = () =>
    new Promise<AddressInfo>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        const info = server.address() as AddressInfo;
        port = info.port;
        const fields = { port, address: info.address, config: redactedConfig(config) };
        logger.info({ ...fields, workerId: generator.workerId }, "listening");
        stopDemoLoad ??= startDemoLoad(config.demoLoad, (count) => generator.nextBatchAsync(count));
        resolve(info);
      });
    });

  const node: NodeServer = {
    config,
    server,
    get leaser() {
      return leaser;
    },
    generator,
    registry,
    logger,
    fetch: (request) => fetch(request),
    get port() {
      return port;
    },
    get url() {
      return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    },
    acquireLease: async () => {
      await leaser?.start();
    },
    listen,
    start: async () => {
      const info = await listen();
      readiness ??= node.acquireLease().then(() => {
        logger.info({ workerId: generator.workerId }, "ready");
      });
      readiness.catch(() => {}); // handled by whoever awaits `ready`; never an unhandled rejection
      return info;
    },
    ready: () => readiness ?? Promise.reject(new Error("ready() before start()")),
    shutdown: (signal) => {
      stopping ??= stop(signal);
      return stopping;
    },
    flushLogs: () =>
      new Promise<void>((resolve) => (ownLogger ? ownLogger.flush(() => resolve()) : resolve())),
  };

  async function stop(signal: string | undefined): Promise<void> {
    logger.info({ signal }, "shutting down");
    stopDemoLoad?.();
    // Stop accepting; in-flight requests finish. Keep-alive sockets are closed as soon as they go idle.
    await new Promise<void>((resolve) => {
      const closeIdle = () => server.closeIdleConnections();
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
  }
  return node;
}
