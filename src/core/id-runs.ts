/**
 * Consecutive IDs of one tick and one worker ID, as the generator claimed them: the IDs are
 * `first, first + 1, ..., first + count - 1` (sequence numbers `firstSeq` to `firstSeq + count - 1`).
 * A batch is handed out as runs so a caller that writes text (the HTTP layer) never builds one
 * BigInt per ID.
 *
 * @example
 * ```ts
 * const runs = gen.tryNextRuns(5000) ?? (await gen.nextRunsAsync(5000));
 * runs.reduce((sum, run) => sum + run.count, 0); // 5000
 * ```
 */
export interface IdRun {
  /** Ticks since the layout's epoch. */
  readonly tick: number;
  readonly workerId: number;
  readonly firstSeq: number;
  readonly count: number;
  /** The run's first ID. */
  readonly first: bigint;
}

/**
 * Every ID of `runs`, in order.
 *
 * @example
 * ```ts
 * idsOfRuns([{ tick: 1, workerId: 0, firstSeq: 0, count: 2, first: 4194304n }]); // [4194304n, 4194305n]
 * ```
 */
export function idsOfRuns(runs: readonly IdRun[]): bigint[] {
  const ids: bigint[] = [];
  for (const run of runs) {
    let id = run.first;
    for (let i = 0; i < run.count; i++) {
      ids.push(id);
      id += 1n;
    }
  }
  return ids;
}
