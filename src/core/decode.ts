import { InvalidIdError } from "./errors.ts";
import type { Layout } from "./layout.ts";

/**
 * The fields of an ID. `timestamp` is ms since 1970 (the start of the ID's tick), `time` the same
 * in ISO 8601; the ID itself stays a string (it exceeds 2^53).
 *
 * @example
 * ```ts
 * const fields: DecodedId = decodeId(4194308096n, layout);
 * // { id: "4194308096", timestamp: 1735689601000, time: "2025-01-01T00:00:01.000Z", workerId: 1, sequence: 0 }
 * ```
 */
export interface DecodedId {
  id: string;
  timestamp: number;
  time: string;
  workerId: number;
  sequence: number;
}

/**
 * Options of `decodeId`.
 *
 * @example
 * ```ts
 * decodeId(id, layout, { notAfterMs: Date.now() + 3_600_000 }); // reject IDs from the far future
 * ```
 */
export interface DecodeOptions {
  /** IDs whose time lies after this are rejected: they come from another layout or epoch. */
  notAfterMs?: number;
}

/**
 * Splits an ID into its fields under `layout`; throws `InvalidIdError` for a value outside 63 bits
 * or (with `notAfterMs`) a time after it.
 *
 * @example
 * ```ts
 * const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
 * decodeId(parseId("4194308096", "decimal"), layout).workerId; // 1
 * ```
 */
export function decodeId(id: bigint, layout: Layout, options: DecodeOptions = {}): DecodedId {
  if (id < 0n || id >= 1n << 63n) throw new InvalidIdError("ID is outside the 63-bit range");
  const sequenceBits = BigInt(layout.sequenceBits);
  const workerBits = BigInt(layout.workerBits);
  const tick = Number(id >> (sequenceBits + workerBits));
  const timestamp = layout.epochMs + tick * layout.unitMs;
  if (options.notAfterMs !== undefined && timestamp > options.notAfterMs) {
    throw new InvalidIdError(
      `ID's time ${new Date(timestamp).toISOString()} is in the future: not an ID of layout ${layout.name} with epoch ${new Date(layout.epochMs).toISOString()}`,
    );
  }
  return {
    id: id.toString(),
    timestamp,
    time: new Date(timestamp).toISOString(),
    workerId: Number((id >> sequenceBits) & ((1n << workerBits) - 1n)),
    sequence: Number(id & ((1n << sequenceBits) - 1n)),
  };
}

/**
 * Builds an ID from its fields; the inverse of `decodeId` (for tests, tools and range queries).
 * Throws `InvalidIdError` when a field does not fit the layout.
 *
 * @example
 * ```ts
 * // The smallest ID of a day: every ID issued from then on is greater.
 * const from = composeId(layout, Date.UTC(2026, 0, 1), 0, 0);
 * ```
 */
export function composeId(
  layout: Layout,
  timestampMs: number,
  workerId: number,
  sequence: number,
): bigint {
  const tick = Math.floor((timestampMs - layout.epochMs) / layout.unitMs);
  if (tick < 0 || tick > layout.maxTick) throw new InvalidIdError("timestamp outside the layout");
  if (!Number.isInteger(workerId) || workerId < 0 || workerId > layout.maxWorkerId) {
    throw new InvalidIdError(`worker ID ${workerId} outside 0..${layout.maxWorkerId}`);
  }
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > layout.maxSequence) {
    throw new InvalidIdError(`sequence ${sequence} outside 0..${layout.maxSequence}`);
  }
  return (
    (BigInt(tick) << BigInt(layout.workerBits + layout.sequenceBits)) |
    (BigInt(workerId) << BigInt(layout.sequenceBits)) |
    BigInt(sequence)
  );
}
