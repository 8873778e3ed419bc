/** Per-arm aggregation: medians and ranges over rounds, byte totals, validity and ratios. */
import { describe, expect, it } from 'vitest';
import { median, summarizeArm, withRatios } from '../../harness/bench/summary';
import type { RoundSample } from '../../harness/bench/types';

const sample = (round: number, rps: number, extra: Partial<RoundSample> = {}): RoundSample => ({
  round,
  rps,
  requests: rps * 10,
  p50Ms: 2,
  p97_5Ms: 5,
  p99Ms: 8,
  lightRps: rps * 2,
  lightCpuMsPerRequest: 0.5,
  cpuMsPerRequest: 1,
  rssMb: 100,
  servedRequests: 1000,
  vendorBytes: 0,
  vendorPayloads: 0,
  byVendor: {},
  problems: [],
  ...extra,
});

describe('bench summary', () => {
  it('takes the median of an odd and an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('summarizes rounds and divides total vendor bytes by total requests served', () => {
    const arm = summarizeArm(
      'xray',
      [
        sample(1, 100, { vendorBytes: 3000, vendorPayloads: 3 }),
        sample(2, 300, { vendorBytes: 1000, vendorPayloads: 1 }),
        sample(3, 200),
      ],
      [],
    );
    expect([arm.rpsMedian, arm.rpsMin, arm.rpsMax]).toEqual([200, 100, 300]);
    expect(arm.lightRpsMedian).toBe(400);
    expect(arm.bytesPerRequest).toBeCloseTo(4000 / 3000);
    expect(arm.valid).toBe(true);
  });

  it('marks an arm invalid when a round saw problems or a start failed, and says why', () => {
    const failedRound = summarizeArm(
      'sentry',
      [sample(1, 100, { problems: ['mixed: 3 non-2xx answers'] })],
      [],
    );
    expect(failedRound.valid).toBe(false);
    expect(failedRound.invalidReasons).toEqual(['round 1: mixed: 3 non-2xx answers']);
    const neverStarted = summarizeArm('datadog', [], ['round 1: datadog users service did not start']);
    expect(neverStarted.valid).toBe(false);
    expect(neverStarted.rpsMedian).toBeNull();
  });

  it('computes ratios to none and bare', () => {
    const arms = withRatios([
      summarizeArm('bare', [sample(1, 400)], []),
      summarizeArm('none', [sample(1, 200)], []),
      summarizeArm('honeycomb', [sample(1, 100)], []),
    ]);
    const honeycomb = arms[2];
    expect(honeycomb.ratioToNone).toBe(0.5);
    expect(honeycomb.ratioToBare).toBe(0.25);
    expect(honeycomb.lightRatioToBare).toBe(0.25);
    expect(arms[0].ratioToNone).toBe(2);
  });
});
