/**
 * Does the light-route `none ÷ bare` figure mean anything? It comes from pairs of back-to-back bursts
 * (harness/bench/paired.ts), so what decides is how much that ratio moves from pair to pair: the median's
 * standard error must be small against the few percent the two baselines differ by. Each arm's raw req/s
 * spread across rounds is not the test: on a VM whose speed drifts by ±20 % it is large even when the paired
 * ratio is steady, and it would call every run noisy.
 */
import { estimateRatio, cpuRatios, type PairSample, type RatioEstimate, rpsRatios } from './paired';

/**
 * Largest standard error of the median `none ÷ bare` that still lets it mean something: 1 %, so a median of
 * 0.99 says "0.98 or better" at one standard error, and the 0.98 target's two-point margin spans ±2 of them.
 */
export const NOISE_SE_THRESHOLD = 0.01;

/** Fewer pairs than this can't show a spread worth trusting, so they are not judged quiet. */
export const MIN_PAIRS_FOR_VERDICT = 5;

export interface NoiseInput {
  /** The paired light-route bursts (empty when bare or none didn't run, or pairs were turned off). */
  pairs: readonly PairSample[];
  /** Whether both baselines were among the arms (else there is nothing to judge). */
  baselinesRan: boolean;
  /** 1-minute load average when the bench started, before any of its own load: reported, not judged. */
  loadAverageAtStart: number;
  cpus: number;
}

export interface NoiseVerdict {
  /** true: the figure means something; false: too noisy; null: not enough pairs to tell. */
  meaningful: boolean | null;
  /** Light-route req/s, none ÷ bare, per pair: median, quartiles, range and the median's standard error. */
  lightRatio: RatioEstimate | null;
  /** Light-route CPU per request, bare ÷ none, per pair: the second estimator. */
  lightCpuRatio: RatioEstimate | null;
  threshold: number;
  /** What made it noisy (empty when it wasn't). */
  reasons: string[];
  /** One line for the bench's output. */
  message: string;
}

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

/** `0.981 ± 0.4 % (quartiles 0.975–0.990, 10 pairs)` */
export function describeRatio(estimate: RatioEstimate): string {
  const error = estimate.standardError === null ? '' : ` ± ${percent(estimate.standardError)}`;
  return (
    `${estimate.median.toFixed(3)}${error} (quartiles ${estimate.q1.toFixed(3)}–${estimate.q3.toFixed(3)}, ` +
    `${estimate.pairs} pair${estimate.pairs === 1 ? '' : 's'})`
  );
}

export function noiseVerdict(input: NoiseInput, threshold = NOISE_SE_THRESHOLD): NoiseVerdict {
  const lightRatio = estimateRatio(rpsRatios(input.pairs));
  const lightCpuRatio = estimateRatio(cpuRatios(input.pairs));
  const figures =
    lightRatio === null
      ? ''
      : `light none ÷ bare ${describeRatio(lightRatio)}` +
        (lightCpuRatio === null ? '' : `; CPU per request bare ÷ none ${describeRatio(lightCpuRatio)}`);
  const busy =
    input.loadAverageAtStart > input.cpus / 2
      ? `; load average ${input.loadAverageAtStart.toFixed(1)} on ${input.cpus} cores at the start`
      : '';
  const verdict = (meaningful: boolean | null, reasons: string[], message: string): NoiseVerdict => ({
    meaningful,
    lightRatio,
    lightCpuRatio,
    threshold,
    reasons,
    message,
  });

  if (!input.baselinesRan || lightRatio === null) {
    const why = input.baselinesRan ? 'no paired bursts ran (--pairs 0)' : 'needs both the bare and none arms';
    return verdict(null, [], `noise not judged: ${why}, so there is no none/bare figure`);
  }
  const error = lightRatio.standardError;
  if (error !== null && error > threshold) {
    const reason = `none ÷ bare moved from pair to pair: its median is only good to ± ${percent(error)}, over the ${percent(threshold)} limit`;
    return verdict(
      false,
      [reason],
      `machine too noisy: ${reason}${busy} — the none/bare figure is not meaningful: ${figures}`,
    );
  }
  if (lightRatio.pairs < MIN_PAIRS_FOR_VERDICT) {
    return verdict(
      null,
      [],
      `noise not judged: ${lightRatio.pairs} pair(s) can't show the spread; run --pairs ` +
        `${MIN_PAIRS_FOR_VERDICT} or more before trusting the none/bare figure (${figures})`,
    );
  }
  return verdict(true, [], `quiet enough: ${figures} (limit ± ${percent(threshold)})${busy}`);
}
