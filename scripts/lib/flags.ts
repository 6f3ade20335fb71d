// Command-line flags for the scripts: a bad flag is one line naming it, the usage and exit code 2,
// never a stack trace.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** Prints `command: message` and the usage to stderr and exits 2. */
export function refuseFlags(command: string, usage: string, message: string): never {
  process.stderr.write(`${command}: ${message}\n${usage}\n`);
  process.exit(2);
}

/** parseArgs (strict) over process.argv; `--help` prints the usage and exits 0. */
export function parseFlags<const O extends ParseArgsOptionsConfig>(
  command: string,
  usage: string,
  options: O,
): ReturnType<typeof parseArgs<{ options: O }>>["values"] {
  let values: ReturnType<typeof parseArgs<{ options: O }>>["values"];
  try {
    values = parseArgs({ options: { ...options, help: { type: "boolean" } } }).values as never;
  } catch (error) {
    return refuseFlags(command, usage, (error as Error).message);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return values;
}
