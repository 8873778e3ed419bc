/** The bench's noise verdict: when is `none ÷ bare` too noisy to mean anything? A pure function of the rounds. */
import { describe, expect, it } from 'vitest';
import { coefficientOfVariation, NOISE_CV_THRESHOLD, noiseVerdict } from '../../harness/bench/noise';

const quiet = { loadAverageAtStart: 0.2, cpus: 2 };

describe('bench noise verdict', () => {
  it('computes the coefficient of variation with the sample standard deviation', () => {
    // mean 100, sample variance (4 + 0 + 4) / 2 = 4 → stddev 2
    expect(coefficientOfVariation([98, 100, 102])).toBeCloseTo(0.02, 10);
    expect(coefficientOfVariation([100])).toBeNull();
    expect(coefficientOfVariation([])).toBeNull();
    expect(coefficientOfVariation([0, 0])).toBeNull();
  });

  it('calls steady baselines on an idle machine meaningful, with the ratio’s error', () => {
    const verdict = noiseVerdict({
      bareLightRps: [2000, 2010, 1990],
      noneLightRps: [1980, 1985, 1975],
      ...quiet,
    });
    expect(verdict.meaningful).toBe(true);
    expect(verdict.reasons).toEqual([]);
    expect(verdict.cv.bare).toBeCloseTo(0.005, 3);
    expect(verdict.lightRatioStandardError).toBeGreaterThan(0);
    expect(verdict.lightRatioStandardError).toBeLessThan(0.01);
    expect(verdict.message).toMatch(/^quiet enough: CV bare 0\.5 %, none 0\.3 %/);
  });

  it('says the machine was too noisy when bare varies more than the limit across rounds', () => {
    const verdict = noiseVerdict({
      bareLightRps: [2300, 1800, 2100],
      noneLightRps: [1990, 2000, 2010],
      ...quiet,
    });
    expect(verdict.cv.bare).toBeGreaterThan(NOISE_CV_THRESHOLD);
    expect(verdict.meaningful).toBe(false);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]).toMatch(/^bare's light req\/s varied by 12\.2 % \(CV\)/);
    expect(verdict.message).toMatch(/^machine too noisy: .* the none\/bare figure is not meaningful$/);
  });

  it('judges none the same way, and a busy machine even with steady figures', () => {
    const jitteryNone = noiseVerdict({
      bareLightRps: [2000, 2001, 1999],
      noneLightRps: [1500, 2000, 1800],
      ...quiet,
    });
    expect(jitteryNone.meaningful).toBe(false);
    expect(jitteryNone.reasons[0]).toMatch(/^none's light req\/s/);

    const busy = noiseVerdict({
      bareLightRps: [2000, 2001, 1999],
      noneLightRps: [1990, 1991, 1989],
      loadAverageAtStart: 11.1,
      cpus: 2,
    });
    expect(busy.meaningful).toBe(false);
    expect(busy.reasons).toEqual([
      'load average 11.1 on 2 cores before the bench started: other work was running',
    ]);
  });

  it('does not call one round quiet, but does call it noisy on a busy machine', () => {
    const oneRound = noiseVerdict({ bareLightRps: [2000], noneLightRps: [1950], ...quiet });
    expect(oneRound.meaningful).toBeNull();
    expect(oneRound.cv).toEqual({ bare: null, none: null });
    expect(oneRound.message).toMatch(/^noise not judged: 1 round\(s\) can't show the spread; run --rounds 3/);

    const busyQuick = noiseVerdict({
      bareLightRps: [2000],
      noneLightRps: [1950],
      loadAverageAtStart: 3,
      cpus: 2,
    });
    expect(busyQuick.meaningful).toBe(false);

    const noBaseline = noiseVerdict({ bareLightRps: [], noneLightRps: [1950, 1960, 1970], ...quiet });
    expect(noBaseline.meaningful).toBeNull();
    expect(noBaseline.message).toMatch(/needs both the bare and none arms/);
  });

  it('takes the limit as a parameter', () => {
    const input = { bareLightRps: [2000, 2040, 1960], noneLightRps: [2000, 2001, 1999], ...quiet };
    expect(noiseVerdict(input).meaningful).toBe(true);
    expect(noiseVerdict(input, 0.01).meaningful).toBe(false);
  });
});
