/**
 * The light-route `none ÷ bare` estimate, robust to a machine whose speed drifts. This VM's speed moves by
 * ±20 % over tens of seconds: an arm's req/s from one round to the next mostly measures that drift, so two
 * medians taken minutes apart can't resolve a gap of a few percent. Instead both baselines run side by side
 * and take turns in short bursts, back to back; each pair of adjacent bursts saw nearly the same machine, so
 * its ratio cancels the drift, and the median of many such ratios, with their spread, is the figure.
 *
 * Two estimators from the same bursts: req/s (none ÷ bare: the target's own figure) and CPU per request
 * (bare ÷ none: drift inflates both arms' CPU alike, and it still holds when the load generator, not the
 * server, limits the req/s).
 */
import { median } from './summary';

/** What one arm did in one burst. */
export interface BurstSample {
  rps: number;
  /** Both services' CPU over the burst ÷ its requests; null where /proc is unavailable. */
  cpuMsPerRequest: number | null;
}

/** One pair of adjacent bursts, bare's and none's (their order alternates from pair to pair). */
export interface PairSample {
  pair: number;
  /** Which arm ran first in this pair. */
  first: 'bare' | 'none';
  bare: BurstSample;
  none: BurstSample;
}

/** The median of per-pair ratios, with their spread. */
export interface RatioEstimate {
  /** Pairs the ratio could be taken from. */
  pairs: number;
  median: number;
  /** Lower and upper quartile of the per-pair ratios. */
  q1: number;
  q3: number;
  min: number;
  max: number;
  /**
   * Standard error of the median, from the ratios' spread (median absolute deviation, so one wild pair
   * doesn't decide it): read the median as ± this. Null for fewer than two pairs.
   */
  standardError: number | null;
}

/** √(π/2): a median of normal samples has this much more standard error than their mean. */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);
/** Scales a median absolute deviation to the standard deviation it estimates (for normal samples). */
const MAD_TO_SD = 1.4826;

/** Linear-interpolated quantile (0…1) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lower = Math.floor(at);
  const upper = Math.ceil(at);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (at - lower);
}

/** The median of these ratios, their quartiles and range, and the median's standard error. */
export function estimateRatio(ratios: readonly number[]): RatioEstimate | null {
  const values = ratios.filter((r) => Number.isFinite(r) && r > 0);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = median(sorted) as number;
  const mad = median(sorted.map((r) => Math.abs(r - mid))) as number;
  return {
    pairs: sorted.length,
    median: mid,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    standardError: sorted.length < 2 ? null : (MEDIAN_SE_FACTOR * MAD_TO_SD * mad) / Math.sqrt(sorted.length),
  };
}

/** Per-pair `none ÷ bare` of req/s: below 1 when `none` serves fewer requests per second. */
export function rpsRatios(pairs: readonly PairSample[]): number[] {
  return pairs.filter((p) => p.bare.rps > 0).map((p) => p.none.rps / p.bare.rps);
}

/** Per-pair `bare ÷ none` of CPU per request: below 1 when a `none` request costs more CPU. */
export function cpuRatios(pairs: readonly PairSample[]): number[] {
  return pairs.flatMap((p) =>
    p.bare.cpuMsPerRequest !== null && p.none.cpuMsPerRequest !== null && p.none.cpuMsPerRequest > 0
      ? [p.bare.cpuMsPerRequest / p.none.cpuMsPerRequest]
      : [],
  );
}

/** Which arm runs first in pair `n` (1-based): alternating, so a steady drift favours neither arm. */
export const firstArmOfPair = (n: number): 'bare' | 'none' => (n % 2 === 1 ? 'bare' : 'none');
