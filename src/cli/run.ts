// The `edgeflake` command as a function. Bad input prints one line and exits 2; a service that
// cannot be reached exits 1; never a stack trace.
import { parseArgs } from "node:util";
import { EdgeflakeError, InvalidIdError, LayoutError } from "../core/index.ts";
import { decodeCommand, generateCommand, USAGE, UsageError } from "./commands.ts";

const OPTIONS = {
  layout: { type: "string" },
  epoch: { type: "string" },
  format: { type: "string" },
  json: { type: "boolean" },
  url: { type: "string", multiple: true },
  token: { type: "string" },
  count: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs the CLI on `argv` (without node and the script); returns the exit code. */
export async function main(
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
  env: Record<string, string | undefined>,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
    });
    const [command, ...rest] = positionals;
    if (values.help || command === "help" || command === undefined) {
      (command === undefined && !values.help ? err : out)(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const token = values.token ?? env.EDGEFLAKE_TOKEN;
    if (command === "decode") {
      if (rest.length !== 1) throw new UsageError("decode takes exactly one ID");
      if ((values.url?.length ?? 0) > 1) throw new UsageError("decode takes at most one --url");
      if (values.count !== undefined) throw new UsageError("--count belongs to generate");
      out(
        await decodeCommand(
          { ...values, id: rest[0] as string, url: values.url?.[0], token },
          Date.now(),
        ),
      );
      return 0;
    }
    if (command === "generate") {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      for (const name of ["layout", "epoch", "json"] as const) {
        if (values[name] !== undefined) throw new UsageError(`--${name} belongs to decode`);
      }
      out(await generateCommand({ ...values, urls: values.url ?? [], token }));
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    err(`edgeflake: ${error instanceof Error ? error.message : String(error)}`);
    if (isUsageError(error)) {
      err(USAGE);
      return 2;
    }
    return isBadInput(error) ? 2 : 1;
  }
}

function isUsageError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  // node:util parseArgs: an unknown option, a missing value.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** An ID, layout, epoch or URL that cannot be right (exit 2), unlike a service that failed (1). */
function isBadInput(error: unknown): boolean {
  if (error instanceof InvalidIdError || error instanceof LayoutError) return true;
  return error instanceof EdgeflakeError && error.code === "INVALID_CLIENT_OPTIONS";
}
