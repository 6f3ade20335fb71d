import { createLayout, type Layout } from "../core/index.ts";
import { BadResponseError } from "./transport.ts";

/** A server's layout as `GET /layout` gives it, validated like the server validates its own. */
export interface ServerLayout {
  layout: Layout;
  /** The largest `count` the server's `/generate` accepts. */
  maxBatch: number;
}

/** Reads a `GET /layout` answer; a body that is not one counts as a bad answer from that URL. */
export async function readLayout(response: Response): Promise<ServerLayout> {
  let body: Record<string, unknown>;
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    throw new BadResponseError("GET /layout did not answer JSON");
  }
  const { timestampBits, workerBits, sequenceBits, unitMs, epochMs, maxBatch } = body;
  const numbers = [timestampBits, workerBits, sequenceBits, unitMs, epochMs, maxBatch];
  if (!numbers.every((n) => typeof n === "number" && Number.isSafeInteger(n))) {
    throw new BadResponseError("GET /layout answered without the layout's integer fields");
  }
  const spec = {
    timestampBits: timestampBits as number,
    workerBits: workerBits as number,
    sequenceBits: sequenceBits as number,
    unitMs: unitMs as number,
  };
  try {
    // The server checked its epoch against its own clock; this one may be a little behind.
    const epoch = epochMs as number;
    return {
      layout: createLayout(spec, epoch, Math.max(Date.now(), epoch)),
      maxBatch: maxBatch as number,
    };
  } catch (error) {
    throw new BadResponseError(`GET /layout gave an invalid layout: ${String(error)}`);
  }
}
