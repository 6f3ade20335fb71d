// Order statistics for benchmark and soak figures.

/** The `q` quantile (0..1) of `values`: the sorted value at index floor(n * q); NaN when empty. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

/** The median as the benchmarks report it: the upper middle value for an even count. */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}
