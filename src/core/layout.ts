import { LayoutError } from "./errors.ts";

/**
 * Bit widths and tick length of an ID; the sign bit is always 0, so the widths sum to 63.
 *
 * @example
 * ```ts
 * const spec: LayoutSpec = { timestampBits: 41, workerBits: 10, sequenceBits: 12, unitMs: 1 };
 * ```
 */
export interface LayoutSpec {
  timestampBits: number;
  workerBits: number;
  sequenceBits: number;
  unitMs: number;
}

/**
 * A validated layout bound to an epoch: how the 63 bits of an ID are split. The timestamp counts
 * ticks of `unitMs` since `epochMs`; the sign bit stays 0, so IDs are positive signed 64-bit
 * integers that sort by time.
 *
 * ```text
 *  bit 63 62                              22 21             12 11              0
 *     ┌──┬──────────────────────────────────┬─────────────────┬─────────────────┐
 *     │0 │ timestamp: ticks since the epoch │    worker ID    │    sequence     │
 *     └──┴──────────────────────────────────┴─────────────────┴─────────────────┘
 *      1     timestampBits (classic: 41)     workerBits (10)   sequenceBits (12)
 *
 *  id = tick << (workerBits + sequenceBits) | workerId << sequenceBits | sequence
 * ```
 *
 * @example
 * ```ts
 * const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
 * layout.maxWorkerId; // 1023
 * layout.maxSequence; // 4095: IDs per tick per worker, minus one
 * new Date(layout.endOfLifeMs).toISOString(); // "2094-09-07T15:47:35.552Z"
 * ```
 */
export interface Layout extends LayoutSpec {
  name: string;
  epochMs: number;
  maxWorkerId: number;
  maxSequence: number;
  /** Highest tick the timestamp field can hold. */
  maxTick: number;
  /** First ms the layout can no longer represent (its end of life). */
  endOfLifeMs: number;
}

/**
 * 2025-01-01T00:00:00.000Z: the default epoch, so the classic layout lasts until 2094.
 *
 * @example
 * ```ts
 * new Date(DEFAULT_EPOCH_MS).toISOString(); // "2025-01-01T00:00:00.000Z"
 * ```
 */
export const DEFAULT_EPOCH_MS = Date.UTC(2025, 0, 1);

/**
 * The named layouts; `classic` is Twitter's 41/10/12 with 1 ms ticks, `sonyflake` 39/16/8 with
 * 10 ms ticks.
 *
 * @example
 * ```ts
 * PRESETS.sonyflake.unitMs; // 10
 * ```
 */
export const PRESETS: Readonly<Record<string, LayoutSpec>> = Object.freeze({
  classic: { timestampBits: 41, workerBits: 10, sequenceBits: 12, unitMs: 1 },
  sonyflake: { timestampBits: 39, workerBits: 16, sequenceBits: 8, unitMs: 10 },
});

const MAX_DATE_MS = 8.64e15;

const LIMITS = {
  timestampBits: [28, 53],
  workerBits: [1, 20],
  sequenceBits: [1, 22],
  unitMs: [1, 60_000],
} as const;

/**
 * Parses `classic`, `sonyflake` or `custom:TS/WORKER/SEQ/UNITms` (for example `custom:41/10/12/1`);
 * throws `LayoutError` on anything else. The widths are checked by `createLayout`.
 *
 * @example
 * ```ts
 * parseLayoutName("custom:40/12/11/1"); // { timestampBits: 40, workerBits: 12, sequenceBits: 11, unitMs: 1 }
 * ```
 */
export function parseLayoutName(name: string): LayoutSpec {
  const preset = PRESETS[name];
  if (preset && Object.hasOwn(PRESETS, name)) return preset;
  const match = /^custom:(\d{1,2})\/(\d{1,2})\/(\d{1,2})\/(\d{1,5})(?:ms)?$/.exec(name);
  if (!match) {
    throw new LayoutError(
      `unknown layout "${name}": use ${Object.keys(PRESETS).join(", ")} or custom:TS/WORKER/SEQ/UNITms`,
    );
  }
  const [, ts, worker, seq, unit] = match.map(Number);
  return {
    timestampBits: ts ?? 0,
    workerBits: worker ?? 0,
    sequenceBits: seq ?? 0,
    unitMs: unit ?? 0,
  };
}

/**
 * Returns the spec's name as `parseLayoutName` accepts it.
 *
 * @example
 * ```ts
 * layoutName({ timestampBits: 41, workerBits: 10, sequenceBits: 12, unitMs: 1 }); // "classic"
 * ```
 */
export function layoutName(spec: LayoutSpec): string {
  for (const [name, preset] of Object.entries(PRESETS)) {
    if (sameSpec(preset, spec)) return name;
  }
  return `custom:${spec.timestampBits}/${spec.workerBits}/${spec.sequenceBits}/${spec.unitMs}`;
}

function sameSpec(a: LayoutSpec, b: LayoutSpec): boolean {
  return (
    a.timestampBits === b.timestampBits &&
    a.workerBits === b.workerBits &&
    a.sequenceBits === b.sequenceBits &&
    a.unitMs === b.unitMs
  );
}

/**
 * Validates a spec against an epoch and the current time and returns the layout; throws
 * `LayoutError` naming every problem. `nowMs` is passed in (not read) so the core stays free of
 * runtime clocks.
 *
 * @example
 * ```ts
 * const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
 * createLayout({ timestampBits: 40, workerBits: 10, sequenceBits: 12, unitMs: 1 }, 0, Date.now());
 * // throws LayoutError: bit widths must sum to 63 (the sign bit stays 0), got 62
 * ```
 */
export function createLayout(spec: LayoutSpec | string, epochMs: number, nowMs: number): Layout {
  const resolved = typeof spec === "string" ? parseLayoutName(spec) : spec;
  const problems: string[] = [];
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const value = resolved[key];
    const [min, max] = LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be an integer in ${min}..${max} (got ${value})`);
    }
  }
  const bits = resolved.timestampBits + resolved.workerBits + resolved.sequenceBits;
  if (bits !== 63) problems.push(`bit widths must sum to 63 (the sign bit stays 0), got ${bits}`);
  if (!Number.isSafeInteger(epochMs) || epochMs < 0) {
    problems.push(`epoch must be a non-negative integer of ms since 1970 (got ${epochMs})`);
  } else if (epochMs > nowMs) {
    problems.push(`epoch ${new Date(epochMs).toISOString()} is in the future`);
  }
  if (problems.length > 0) throw new LayoutError(problems.join("; "));

  const maxTick = 2 ** resolved.timestampBits - 1;
  const endOfLifeMs = epochMs + (maxTick + 1) * resolved.unitMs;
  if (endOfLifeMs > MAX_DATE_MS) {
    throw new LayoutError(
      "layout outlives JavaScript dates: use fewer timestamp bits or a shorter unit",
    );
  }
  if (endOfLifeMs <= nowMs) {
    throw new LayoutError(`layout ran out of timestamps at ${new Date(endOfLifeMs).toISOString()}`);
  }
  return {
    ...resolved,
    name: layoutName(resolved),
    epochMs,
    maxWorkerId: 2 ** resolved.workerBits - 1,
    maxSequence: 2 ** resolved.sequenceBits - 1,
    maxTick,
    endOfLifeMs,
  };
}
