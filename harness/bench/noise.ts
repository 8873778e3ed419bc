/**
 * Was the machine quiet enough for `none ÷ bare` to mean anything? The two baselines differ by a few percent
 * at most, so when either one's own light-route req/s moves more than that from round to round, or other work
 * was already loading the machine when the bench started, the ratio is noise and the bench says so.
 */

/**
 * Largest round-to-round coefficient of variation of a baseline's light req/s that still lets the ratio mean
 * something: with the default 3 rounds, 3 % gives the median a standard error of about 2 %, the whole margin
 * the 0.98 target leaves.
 */
export const NOISE_CV_THRESHOLD = 0.03;

/** Fewer rounds than this can't show a spread, so they are not judged quiet (only, possibly, noisy). */
export const MIN_ROUNDS_FOR_VERDICT = 3;

/** √(π/2): the standard error of a median of normal samples is this much larger than the mean's. */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);

export interface NoiseInput {
  /** Light-route req/s of the `bare` arm, one per completed round (empty if it didn't run). */
  bareLightRps: readonly number[];
  /** The same for the `none` arm. */
  noneLightRps: readonly number[];
  /** 1-minute load average when the bench started, before any of its own load. */
  loadAverageAtStart: number;
  cpus: number;
}

export interface NoiseVerdict {
  /** true: quiet enough; false: too noisy; null: too few rounds to tell, and nothing else looked wrong. */
  meaningful: boolean | null;
  /** Round-to-round coefficient of variation (sample stddev ÷ mean) of each baseline's light req/s. */
  cv: { bare: number | null; none: number | null };
  /**
   * Estimated standard error of the light `none ÷ bare` ratio from those spreads (null without both
   * baselines over ≥ 2 rounds): read the ratio as ± this.
   */
  lightRatioStandardError: number | null;
  threshold: number;
  /** What made it noisy (empty when it wasn't). */
  reasons: string[];
  /** One line for the bench's output. */
  message: string;
}

/** Sample standard deviation ÷ mean; null for fewer than two values or a non-positive mean. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  if (!(mean > 0)) return null;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / mean;
}

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

export function noiseVerdict(input: NoiseInput, threshold = NOISE_CV_THRESHOLD): NoiseVerdict {
  const cv = {
    bare: coefficientOfVariation(input.bareLightRps),
    none: coefficientOfVariation(input.noneLightRps),
  };
  const reasons: string[] = [];
  for (const arm of ['bare', 'none'] as const) {
    const value = cv[arm];
    if (value !== null && value > threshold) {
      reasons.push(
        `${arm}'s light req/s varied by ${percent(value)} (CV) across rounds, over the ${percent(threshold)} limit`,
      );
    }
  }
  if (input.loadAverageAtStart > input.cpus / 2) {
    reasons.push(
      `load average ${input.loadAverageAtStart.toFixed(1)} on ${input.cpus} cores before the bench started: other work was running`,
    );
  }
  const lightRatioStandardError =
    cv.bare !== null && cv.none !== null
      ? MEDIAN_SE_FACTOR *
        Math.sqrt(cv.bare ** 2 / input.bareLightRps.length + cv.none ** 2 / input.noneLightRps.length)
      : null;
  const rounds = Math.min(input.bareLightRps.length, input.noneLightRps.length);
  const spreads =
    `CV bare ${cv.bare === null ? '–' : percent(cv.bare)}, none ${cv.none === null ? '–' : percent(cv.none)}` +
    (lightRatioStandardError === null ? '' : `; light none ÷ bare ± ${percent(lightRatioStandardError)}`);

  if (reasons.length > 0) {
    return {
      meaningful: false,
      cv,
      lightRatioStandardError,
      threshold,
      reasons,
      message: `machine too noisy: ${reasons.join('; ')} — the none/bare figure is not meaningful`,
    };
  }
  if (rounds < MIN_ROUNDS_FOR_VERDICT) {
    const why =
      input.bareLightRps.length === 0 || input.noneLightRps.length === 0
        ? 'needs both the bare and none arms'
        : `${rounds} round(s) can't show the spread; run --rounds ${MIN_ROUNDS_FOR_VERDICT} or more`;
    return {
      meaningful: null,
      cv,
      lightRatioStandardError,
      threshold,
      reasons,
      message: `noise not judged: ${why} before trusting the none/bare figure`,
    };
  }
  return {
    meaningful: true,
    cv,
    lightRatioStandardError,
    threshold,
    reasons,
    message: `quiet enough: ${spreads} (limit ${percent(threshold)} CV)`,
  };
}
