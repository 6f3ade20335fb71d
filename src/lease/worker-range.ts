// Worker-ID ranges (`LEASE_WORKER_IDS`): which worker IDs an instance may lease. Pure.

/** Sorted, disjoint, inclusive spans of worker IDs, e.g. `0-99,200-255`. */
export interface WorkerIdRange {
  readonly spans: readonly (readonly [number, number])[];
  /** How many worker IDs the spans hold. */
  readonly size: number;
  /** The canonical text (`0-99,200-255`; a single ID as `7`), as metrics and /health show it. */
  readonly text: string;
}

/** Every worker ID of a layout with `count` of them: `0-(count-1)`. */
export function fullRange(count: number): WorkerIdRange {
  return rangeOf([[0, count - 1]]);
}

/**
 * The range a leaser draws from: `workerIds`, else `0..workerIdCount-1`, else the layout's
 * `count` worker IDs; throws RangeError when it reaches beyond the layout.
 */
export function leaseRange(
  count: number,
  options: { workerIds?: WorkerIdRange; workerIdCount?: number },
): WorkerIdRange {
  const range = options.workerIds ?? fullRange(Math.min(options.workerIdCount ?? count, count));
  if (maxOf(range) >= count) {
    throw new RangeError(`worker IDs ${range.text} exceed the layout's 0-${count - 1}`);
  }
  return range;
}

/** Spans sorted and validated into a range; throws RangeError on overlaps or bad bounds. */
export function rangeOf(spans: readonly (readonly [number, number])[]): WorkerIdRange {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let size = 0;
  for (const [index, [lo, hi]] of sorted.entries()) {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi < lo) {
      throw new RangeError(`${lo}-${hi} is not a range of worker IDs (low-high, low <= high)`);
    }
    const previous = sorted[index - 1];
    if (previous && lo <= previous[1]) {
      throw new RangeError(`${spanText(previous)} and ${spanText([lo, hi])} overlap`);
    }
    size += hi - lo + 1;
  }
  if (sorted.length === 0) throw new RangeError("no worker IDs");
  return { spans: sorted, size, text: sorted.map(spanText).join(",") };
}

/** `0-255` or `0-99,200-255` into a range; throws RangeError naming the problem. */
export function parseWorkerIds(text: string): WorkerIdRange {
  const spans = text.split(",").map((part): [number, number] => {
    const match = /^\s*(\d{1,7})\s*(?:-\s*(\d{1,7})\s*)?$/.exec(part);
    if (!match) throw new RangeError(`"${part}" is not N or N-M`);
    const lo = Number(match[1]);
    return [lo, match[2] === undefined ? lo : Number(match[2])];
  });
  return rangeOf(spans);
}

/** The highest worker ID of the range. */
export function maxOf(range: WorkerIdRange): number {
  return (range.spans.at(-1) as readonly [number, number])[1];
}

/** Whether `workerId` lies in the range. */
export function contains(range: WorkerIdRange, workerId: number): boolean {
  return range.spans.some(([lo, hi]) => workerId >= lo && workerId <= hi);
}

/** The `index`-th worker ID of the range (0 <= index < size), so a uniform pick is one draw. */
export function nth(range: WorkerIdRange, index: number): number {
  let left = index;
  for (const [lo, hi] of range.spans) {
    const width = hi - lo + 1;
    if (left < width) return lo + left;
    left -= width;
  }
  throw new RangeError(`index ${index} is beyond the range's ${range.size} worker IDs`);
}

function spanText([lo, hi]: readonly [number, number]): string {
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}
