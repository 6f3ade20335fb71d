import type { LogLevel } from "../config.ts";
import type { Logger } from "../log.ts";

const RANK: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/**
 * One JSON line per entry on the console: Workers Logs and CloudWatch index console output, and
 * pino's Node-only transport is not worth its weight in a Worker bundle.
 */
export function consoleLogger(level: LogLevel, base: Record<string, unknown>): Logger {
  const min = RANK[level];
  const write = (name: "info" | "warn" | "error", fields: object, msg: string) => {
    if (RANK[name] < min) return;
    const line = JSON.stringify({ level: name, time: Date.now(), ...base, ...fields, msg });
    if (name === "error") console.error(line);
    else if (name === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    info: (fields, msg) => write("info", fields, msg),
    warn: (fields, msg) => write("warn", fields, msg),
    error: (fields, msg) => write("error", fields, msg),
  };
}
