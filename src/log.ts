import type { LoggerOptions } from "pino";
import type { LogLevel } from "./config-variables.ts";

/** The logging surface the app and leasing use; pino satisfies it on Node, console-backed elsewhere. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything (tests, or where logs would only be noise). */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * pino's options for the one log shape of every runtime: `{"level":"info","time":<ms>,...base,
 * ...fields,"msg"}`, as the Workers and Lambda console logger writes it. The level is its label
 * (pino's default is a number) and `base` replaces pino's `pid` and `hostname`.
 */
export function pinoOptions(level: LogLevel, base: Record<string, unknown>): LoggerOptions {
  return { level, base, formatters: { level: (label) => ({ level: label }) } };
}
