// The chaos run's checker: it must see duplicates and overlapping tenures, and nothing else.
import { describe, expect, it } from "vitest";
import { IdLog } from "../../scripts/chaos/id-log.ts";

function log(entries: [worker: number, source: number, id: bigint][]): IdLog {
  const ids = new IdLog();
  for (const [worker, source, id] of entries) ids.add(worker, source, id);
  return ids;
}

describe("chaos IdLog", () => {
  it("disjoint tenures: no duplicate, one run per holder, whatever the arrival order", () => {
    const checked = log([
      [1, 0, 10n],
      [1, 1, 30n],
      [1, 0, 11n],
      [1, 1, 31n],
      [1, 2, 50n],
      [2, 0, 10n], // another worker ID: the same number is not a duplicate within the worker ID
    ]).check();
    expect(checked.duplicates).toBe(0);
    expect(checked.workers).toEqual([
      { workerId: 1, ids: 5, sources: 3, blocks: 3 },
      { workerId: 2, ids: 1, sources: 1, blocks: 1 },
    ]);
  });

  it("overlapping tenures interleave in ID order, and equal IDs are duplicates naming both sources", () => {
    const checked = log([
      [3, 0, 10n],
      [3, 0, 20n],
      [3, 0, 30n],
      [3, 1, 15n],
      [3, 1, 30n],
    ]).check();
    expect(checked.duplicates).toBe(1);
    expect(checked.samples).toEqual([{ id: "30", sources: [0, 1] }]);
    expect(checked.workers[0]?.blocks).toBeGreaterThan(2);
  });

  it("keeps millions of IDs in 64K chunks and merges them in order", () => {
    const ids = new IdLog();
    const count = 200_000;
    for (let i = 0; i < count; i++) ids.add(0, i % 2, BigInt(i));
    const checked = ids.check();
    expect(ids.count).toBe(count);
    expect(checked.duplicates).toBe(0);
    expect(checked.workers[0]).toMatchObject({ ids: count, blocks: count });
  });
});
