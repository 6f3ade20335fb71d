import { Counter, type Registry } from "prom-client";
import type { MetricsPushConfig } from "../../config.ts";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../log.ts";
import { encodeWriteRequest } from "./protobuf.ts";
import { snapshotRegistry } from "./series.ts";
import { snappyCompress } from "./snappy.ts";

export type PushResult = "success" | "error" | "timeout";
const RESULTS: readonly PushResult[] = ["success", "error", "timeout"];

export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface MetricsPusherOptions {
  config: MetricsPushConfig;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** Labels of this isolate or environment (job, instance, runtime, worker), read at each push. */
  labels: () => Record<string, string>;
  /** Injected so the module stays runtime-free; the targets pass the global fetch. */
  fetch: FetchFunction;
}

/** What the last push did (tests and the measured cost in the README). */
export interface PushReport {
  result: PushResult;
  /** Compressed body size. */
  bytes: number;
  series: number;
  durationMs: number;
  status?: number;
}

/**
 * Pushes the registry to a remote-write endpoint at most once per interval. A push never throws
 * and never outlasts `timeoutMs`; failures are counted in `snowflake_metrics_push_total{result}`
 * and logged at most once per interval.
 */
export class MetricsPusher {
  last: PushReport | undefined;
  private readonly pushes: Counter<"result">;
  private lastAttemptMs: number | undefined;
  private lastFailureLogMs: number | undefined;
  private failuresSinceLog = 0;
  private inFlight = false;
  private readonly options: MetricsPusherOptions;

  constructor(options: MetricsPusherOptions) {
    this.options = options;
    this.pushes = new Counter({
      name: "snowflake_metrics_push_total",
      help: "Remote-write pushes of these metrics by result (success, error, timeout)",
      labelNames: ["result"],
      registers: [options.registry],
    });
    for (const result of RESULTS) this.pushes.inc({ result }, 0);
  }

  /** Starts a push if none ran within the interval (none yet counts as due); else undefined. */
  pushIfDue(): Promise<PushReport> | undefined {
    const now = this.options.clock.now();
    const { intervalMs } = this.options.config;
    if (this.inFlight) return undefined;
    if (this.lastAttemptMs !== undefined && now - this.lastAttemptMs < intervalMs) return undefined;
    this.lastAttemptMs = now;
    return this.push();
  }

  /** Pushes now, whatever the interval. Resolves (never rejects) once the endpoint answered or the timeout hit. */
  async push(): Promise<PushReport> {
    const { config, clock } = this.options;
    this.inFlight = true;
    const started = performance.now();
    let report: PushReport;
    let error: unknown;
    let bytes = 0;
    let series = 0;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), config.timeoutMs);
    try {
      const snapshot = await snapshotRegistry(
        this.options.registry,
        this.options.labels(),
        clock.now(),
      );
      series = snapshot.series.length;
      const body = snappyCompress(encodeWriteRequest(snapshot.series, snapshot.metadata));
      bytes = body.length;
      const response = await this.options.fetch(config.url, {
        method: "POST",
        headers: {
          "Content-Encoding": "snappy",
          "Content-Type": "application/x-protobuf",
          "User-Agent": "edgeflake",
          "X-Prometheus-Remote-Write-Version": "0.1.0",
          ...(config.authorization ? { Authorization: config.authorization } : {}),
        },
        body,
        signal: abort.signal,
      });
      // Read the answer (a receiver explains refusals in it) so the connection can be reused.
      const text = await response.text();
      const result: PushResult = response.ok ? "success" : "error";
      report = { result, bytes, series, durationMs: 0, status: response.status };
      if (!response.ok) error = `HTTP ${response.status}: ${text.slice(0, 200)}`;
    } catch (caught) {
      report = { result: abort.signal.aborted ? "timeout" : "error", bytes, series, durationMs: 0 };
      error = caught;
    } finally {
      clearTimeout(timer);
      this.inFlight = false;
    }
    report.durationMs = performance.now() - started;
    this.pushes.inc({ result: report.result });
    this.last = report;
    if (report.result !== "success") this.logFailure(report, error);
    return report;
  }

  private logFailure(report: PushReport, error: unknown): void {
    this.failuresSinceLog++;
    const now = this.options.clock.now();
    const { intervalMs } = this.options.config;
    if (this.lastFailureLogMs !== undefined && now - this.lastFailureLogMs < intervalMs) return;
    this.lastFailureLogMs = now;
    this.options.logger.warn(
      {
        result: report.result,
        status: report.status,
        error: error instanceof Error ? error.message : String(error),
        failures: this.failuresSinceLog,
        durationMs: Math.round(report.durationMs),
      },
      "metrics push failed",
    );
    this.failuresSinceLog = 0;
  }
}
