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
