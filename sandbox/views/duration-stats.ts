/** Count, percentiles and error rate of a set of durations: what every console view's table cells show. */

export interface DurationStats {
  count: number;
  /** Nearest-rank percentiles in ms; null when there is nothing to rank. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Errors / count, 0–1; 0 for an empty set. */
  errorRate: number;
}

/** Nearest-rank percentile of an ascending list. */
function ranked(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Sorts `durations` in place (callers hand over a list they built for this). */
export function durationStats(durations: number[], errors: number): DurationStats {
  durations.sort((a, b) => a - b);
  return {
    count: durations.length,
    p50: ranked(durations, 50),
    p95: ranked(durations, 95),
    p99: ranked(durations, 99),
    errorRate: durations.length === 0 ? 0 : errors / durations.length,
  };
}
