// The text/plain answer of `/generate`, and the one refusal the client recovers from by itself.
import { type IdFormat, parseId } from "../core/index.ts";
import { RequestRejectedError } from "./errors.ts";
import { BadResponseError } from "./transport.ts";

/** A 400 `invalid-count`: the server's MAX_BATCH is below the count asked for. */
export function isCountRejection(error: unknown): boolean {
  return error instanceof RequestRejectedError && /invalid-count$/.test(error.problemType ?? "");
}

/** Reads a text/plain `/generate` answer: exactly `count` lines, in `format`. */
export async function readIds(
  response: Response,
  count: number,
  format: IdFormat,
): Promise<string[]> {
  const ids = (await response.text()).split("\n");
  if (ids[ids.length - 1] === "") ids.pop();
  if (ids.length !== count) {
    throw new BadResponseError(`asked for ${count} IDs, got ${ids.length} lines`);
  }
  try {
    parseId(ids[0] as string, format);
    parseId(ids[count - 1] as string, format);
  } catch {
    throw new BadResponseError(`the answer is not ${format} IDs, one per line`);
  }
  return ids;
}
