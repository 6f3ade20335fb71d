import { formatId, type IdFormat } from "../core/encoding.ts";
import { MAX_ID_WIDTH, writeConsecutive } from "../core/format-batch.ts";
import type { IdRun } from "../core/id-runs.ts";

// Response bodies of /generate, written straight from the generator's runs into one byte array:
// no BigInt per ID, no array of strings, no JSON.stringify (IDs are digits and letters only).

const QUOTE = 0x22;
const JSON_OPEN = [QUOTE];
const JSON_CLOSE = [QUOTE, 0x2c]; // `",`: the last comma becomes `]`
const TEXT_OPEN: number[] = [];
const TEXT_CLOSE = [0x0a];
const IDS_PREFIX = [...'{"ids":['].map((c) => c.charCodeAt(0));

/** `{"id":"…"}` or `…\n` for a single ID (`runs` holds exactly one). */
export function singleIdBody(runs: readonly IdRun[], format: IdFormat, text: boolean): string {
  const id = formatId((runs[0] as IdRun).first, format);
  return text ? `${id}\n` : `{"id":"${id}"}`;
}

/**
 * `{"ids":["…",…]}` or one ID per line, each line ended by `\n`, for every ID of `runs`, written
 * into a buffer from `allocate` (of at least the bytes asked for; default a new one).
 */
export function batchBody(
  runs: readonly IdRun[],
  format: IdFormat,
  text: boolean,
  allocate: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes),
): Uint8Array {
  let count = 0;
  for (const run of runs) count += run.count;
  const [open, close] = text ? [TEXT_OPEN, TEXT_CLOSE] : [JSON_OPEN, JSON_CLOSE];
  const entry = open.length + MAX_ID_WIDTH[format] + close.length;
  const out = allocate(IDS_PREFIX.length + count * entry + 2);
  let at = 0;
  if (!text) for (const byte of IDS_PREFIX) out[at++] = byte;
  for (const run of runs) at = writeConsecutive(out, at, run.first, run.count, format, open, close);
  if (text) return out.subarray(0, at);
  out[at - 1] = 0x5d; // `]` over the last comma
  out[at++] = 0x7d; // `}`
  return out.subarray(0, at);
}
