/**
 * The bench's light-route `none ÷ bare` estimate and its noise verdict: pure functions of the paired bursts.
 * The point of both: a machine whose speed drifts between pairs (this VM's, ±20 % over tens of seconds) must
 * not hide a steady ratio, and a ratio that jumps from pair to pair must never be called a result.
 */
import { describe, expect, it } from 'vitest';
import { MIN_PAIRS_FOR_VERDICT, NOISE_SE_THRESHOLD, noiseVerdict } from '../../harness/bench/noise';
import {
  cpuRatios,
  estimateRatio,
  firstArmOfPair,
  type PairSample,
  rpsRatios,
} from '../../harness/bench/paired';

const quiet = { baselinesRan: true, loadAverageAtStart: 0.2, cpus: 2 };

/** Pairs where the machine's speed is `speeds[i]` during pair i and none does `ratio` of bare's work. */
function driftingPairs(speeds: readonly number[], ratio: number | readonly number[]): PairSample[] {
  return speeds.map((speed, i) => {
    const r = typeof ratio === 'number' ? ratio : ratio[i];
    const bareRps = 9000 * speed;
    return {
      pair: i + 1,
      first: firstArmOfPair(i + 1),
      bare: { rps: bareRps, cpuMsPerRequest: 0.1 / speed },
      none: { rps: bareRps * r, cpuMsPerRequest: 0.1 / speed / r },
    };
  });
}

/** ±20 % drift, as this VM shows it: each arm's raw req/s varies by ~15 % (CV) across pairs. */
const DRIFT = [1.0, 1.2, 0.85, 0.8, 1.15, 0.95, 1.1, 0.82, 1.18, 0.9];

describe('paired none ÷ bare estimate', () => {
  it('takes the ratio within each pair, so drift between pairs cancels', () => {
    const pairs = driftingPairs(DRIFT, 0.97);
    const estimate = estimateRatio(rpsRatios(pairs));
    expect(estimate?.median).toBeCloseTo(0.97, 10);
    expect(estimate?.standardError).toBeCloseTo(0, 10);
    expect(estimate?.pairs).toBe(10);
    // The second estimator, CPU per request bare ÷ none, finds the same ratio through the same drift.
    expect(estimateRatio(cpuRatios(pairs))?.median).toBeCloseTo(0.97, 10);
  });

  it('reports the median, quartiles, range and the median’s standard error', () => {
    const estimate = estimateRatio([0.9, 1.0, 0.95, 0.97, 0.99]);
    expect(estimate).toEqual({
      pairs: 5,
      median: 0.97,
      q1: 0.95,
      q3: 0.99,
      min: 0.9,
      max: 1.0,
      // MAD of |0.07, 0.03, 0.02, 0, 0.02| is 0.02 → √(π/2) · 1.4826 · 0.02 / √5
      standardError: expect.closeTo((Math.sqrt(Math.PI / 2) * 1.4826 * 0.02) / Math.sqrt(5), 10),
    });
  });

  it('lets one wild pair move neither the median nor the error much', () => {
    const steady = estimateRatio([0.97, 0.98, 0.975, 0.972, 0.978, 0.976, 0.974]);
    const oneWild = estimateRatio([0.97, 0.98, 0.975, 0.972, 0.978, 0.976, 0.5]);
    expect(oneWild?.median).toBeCloseTo(steady?.median as number, 2);
    expect(oneWild?.standardError).toBeLessThan(0.01);
  });

  it('has no estimate without pairs, and no error from a single pair', () => {
    expect(estimateRatio([])).toBeNull();
    expect(estimateRatio([0.98])?.standardError).toBeNull();
    // A burst that served nothing or had no CPU reading gives no ratio, rather than 0 or Infinity.
    const broken: PairSample[] = [
      {
        pair: 1,
        first: 'bare',
        bare: { rps: 0, cpuMsPerRequest: null },
        none: { rps: 10, cpuMsPerRequest: 0 },
      },
    ];
    expect(rpsRatios(broken)).toEqual([]);
    expect(cpuRatios(broken)).toEqual([]);
  });

  it('alternates which arm runs first, so a steady drift favours neither', () => {
    expect([1, 2, 3, 4].map(firstArmOfPair)).toEqual(['bare', 'none', 'bare', 'none']);
  });
});

describe('bench noise verdict', () => {
  it('calls a steady paired ratio meaningful even while the machine drifts ±20 %', () => {
    const ratios = [0.97, 0.975, 0.968, 0.972, 0.98, 0.971, 0.969, 0.974, 0.976, 0.973];
    const verdict = noiseVerdict({ pairs: driftingPairs(DRIFT, ratios), ...quiet });
    expect(verdict.meaningful).toBe(true);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.lightRatio?.median).toBeCloseTo(0.9725, 4);
    expect(verdict.lightRatio?.standardError).toBeLessThan(NOISE_SE_THRESHOLD);
    expect(verdict.lightCpuRatio?.median).toBeCloseTo(0.9725, 4);
    expect(verdict.message).toMatch(
      /^quiet enough: light none ÷ bare 0\.97[23] ± 0\.\d % \(quartiles 0\.970–0\.975, 10 pairs\); CPU per request bare ÷ none 0\.97[23]/,
    );
  });

  it('says too noisy when the ratio itself moves from pair to pair', () => {
    const ratios = [0.9, 1.05, 0.86, 1.1, 0.95, 1.0, 0.88, 1.08, 0.93, 1.02];
    const verdict = noiseVerdict({ pairs: driftingPairs(DRIFT, ratios), ...quiet });
    expect(verdict.meaningful).toBe(false);
    expect(verdict.lightRatio?.standardError).toBeGreaterThan(NOISE_SE_THRESHOLD);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatch(
      /^none ÷ bare moved from pair to pair: its median is only good to ± \d+\.\d %, over the 1\.0 % limit$/,
    );
    expect(verdict.message).toMatch(
      /^machine too noisy: .* the none\/bare figure is not meaningful: light none ÷ bare 0\.\d{3} ± /,
    );
  });

  it('judges the spread, not the load average, and says when other work was running', () => {
    const ratios = [0.97, 0.975, 0.968, 0.972, 0.98, 0.971];
    const verdict = noiseVerdict({
      pairs: driftingPairs(DRIFT.slice(0, 6), ratios),
      baselinesRan: true,
      loadAverageAtStart: 11.1,
      cpus: 2,
    });
    expect(verdict.meaningful).toBe(true);
    expect(verdict.message).toMatch(/; load average 11\.1 on 2 cores at the start$/);
  });

  it('does not judge too few pairs quiet, but does call them noisy', () => {
    const few = noiseVerdict({ pairs: driftingPairs([1, 0.8], [0.97, 0.975]), ...quiet });
    expect(few.meaningful).toBeNull();
    expect(few.message).toMatch(
      new RegExp(
        `^noise not judged: 2 pair\\(s\\) can't show the spread; run --pairs ${MIN_PAIRS_FOR_VERDICT}`,
      ),
    );

    const fewButWild = noiseVerdict({ pairs: driftingPairs([1, 0.8, 1.1], [0.8, 1.1, 0.95]), ...quiet });
    expect(fewButWild.meaningful).toBe(false);
  });

  it('has nothing to judge without both baselines or without pairs', () => {
    const noBaseline = noiseVerdict({ pairs: [], baselinesRan: false, loadAverageAtStart: 0.2, cpus: 2 });
    expect(noBaseline.meaningful).toBeNull();
    expect(noBaseline.lightRatio).toBeNull();
    expect(noBaseline.message).toMatch(/needs both the bare and none arms/);

    const pairsOff = noiseVerdict({ pairs: [], ...quiet });
    expect(pairsOff.meaningful).toBeNull();
    expect(pairsOff.message).toMatch(/no paired bursts ran \(--pairs 0\)/);
  });

  it('takes the limit as a parameter', () => {
    const pairs = driftingPairs(DRIFT, [0.95, 0.99, 0.96, 0.98, 0.97, 0.955, 0.985, 0.965, 0.975, 0.97]);
    expect(noiseVerdict({ pairs, ...quiet }).meaningful).toBe(true);
    expect(noiseVerdict({ pairs, ...quiet }, 0.001).meaningful).toBe(false);
  });
});
