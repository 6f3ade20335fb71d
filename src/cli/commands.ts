// The CLI's commands as functions of parsed arguments: they return text or throw UsageError.
import { createClient } from "../client/index.ts";
import {
  createLayout,
  DEFAULT_EPOCH_MS,
  type DecodedId,
  decodeId,
  ID_FORMATS,
  type IdFormat,
  type Layout,
  parseId,
} from "../core/index.ts";

/** Bad input on the command line: printed as one message with exit code 2. */
export class UsageError extends Error {}

export const USAGE = `usage:
  edgeflake decode <id> [--layout classic|sonyflake|custom:TS/W/S/U] [--epoch ms|ISO-8601]
                        [--format decimal|hex|base62] [--json]
  edgeflake decode <id> --url <service> [--token T] [--format ...] [--json]   (the service's layout)
  edgeflake generate --url <service> [--url <another>] [--count N] [--format ...] [--token T]
The token may also come from EDGEFLAKE_TOKEN.`;

const FUTURE_SLACK_MS = 3_600_000;
const MAX_COUNT = 10_000_000;

export interface DecodeArgs {
  id: string;
  layout?: string;
  epoch?: string;
  format?: string;
  url?: string;
  token?: string;
  json?: boolean;
}

/** `edgeflake decode`: the fields of an ID, under a given layout or the service's. */
export async function decodeCommand(args: DecodeArgs, nowMs: number): Promise<string> {
  const format = formatOf(args.format);
  let layout: Layout;
  if (args.url !== undefined) {
    if (args.layout !== undefined || args.epoch !== undefined) {
      throw new UsageError(
        "--url reads the layout from the service: leave out --layout and --epoch",
      );
    }
    const client = createClient({ urls: args.url, token: args.token, format, prefetch: false });
    try {
      layout = await client.layout();
    } finally {
      client.close();
    }
  } else {
    layout = createLayout(args.layout ?? "classic", epochOf(args.epoch), nowMs);
  }
  const decoded = decodeId(parseId(args.id, format), layout, {
    notAfterMs: nowMs + FUTURE_SLACK_MS,
  });
  return args.json ? JSON.stringify(decoded) : describe(decoded, layout);
}

export interface GenerateArgs {
  urls: string[];
  count?: string;
  format?: string;
  token?: string;
}

/** `edgeflake generate`: `count` IDs from the service, one per line. */
export async function generateCommand(args: GenerateArgs): Promise<string> {
  if (args.urls.length === 0) throw new UsageError("generate needs --url <service>");
  const count = countOf(args.count);
  const client = createClient({
    urls: args.urls,
    token: args.token,
    format: formatOf(args.format),
    prefetch: false,
  });
  try {
    return (await client.batch(count)).join("\n");
  } finally {
    client.close();
  }
}

function describe(decoded: DecodedId, layout: Layout): string {
  const rows: [string, string][] = [
    ["id", decoded.id],
    ["time", decoded.time],
    ["timestamp", String(decoded.timestamp)],
    ["workerId", String(decoded.workerId)],
    ["sequence", String(decoded.sequence)],
    ["layout", `${layout.name}, epoch ${new Date(layout.epochMs).toISOString()}`],
  ];
  return rows.map(([name, value]) => `${name.padEnd(10)} ${value}`).join("\n");
}

function formatOf(text: string | undefined): IdFormat {
  if (text === undefined) return "decimal";
  const format = ID_FORMATS.find((f) => f === text);
  if (!format) throw new UsageError(`--format must be ${ID_FORMATS.join(", ")} (got "${text}")`);
  return format;
}

function epochOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_EPOCH_MS;
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(`--epoch must be ms since 1970 or an ISO 8601 time (got "${text}")`);
  }
  return ms;
}

function countOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const count = /^\d{1,8}$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1 && count <= MAX_COUNT)) {
    throw new UsageError(`--count must be an integer in 1..${MAX_COUNT} (got "${text}")`);
  }
  return count;
}
