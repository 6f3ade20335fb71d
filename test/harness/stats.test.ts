// scripts/lib/stats.ts: the order statistics every benchmark and the soak report.
import { describe, expect, it } from "vitest";
import { median, percentile } from "../../scripts/lib/stats.ts";

describe("benchmark statistics", () => {
  it("median is the upper middle value, whatever the input order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([5])).toBe(5);
  });

  it("percentile takes the sorted value at floor(n * q), clamped to the last", () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 200..1
    expect(percentile(values, 0.99)).toBe(199);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 1)).toBe(200);
  });

  it("an empty sample is NaN, not a number that could pass for a measurement", () => {
    expect(median([])).toBeNaN();
    expect(percentile([], 0.99)).toBeNaN();
  });

  it("leaves its input unsorted", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});
