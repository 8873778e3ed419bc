import { describe, expect, it } from 'vitest';
import {
  alignBySeq,
  latencyNoise,
  pairedDelta,
  requestsToResolve,
  resampleIndices,
  type TimedRequest,
} from '../../harness/compare/latency-noise';
import { uniform01 } from '../../app/chaos/random';

const N = 200;

/**
 * A request's latency as the compare sees it: the injected delay of seq k (identical in every run, and most of the
 * spread: a long tail up to 500 ms) + the vendor's overhead + machine noise of its own for each run.
 */
function run(name: string, overheadMs: number, noiseMs: number, requests = N): TimedRequest[] {
  return Array.from({ length: requests }, (_, seq) => {
    const injected = uniform01(1, 'delay', seq, 'd') < 0.1 ? 500 : 20 + 30 * uniform01(1, 'delay', seq, 'e');
    const noise = (uniform01(7, name, seq, 'n') - 0.5) * 2 * noiseMs;
    return { seq, latencyMs: injected + overheadMs + noise };
  });
}

describe('paired bootstrap of the latency difference against none', () => {
  it('is deterministic for one input and seed', () => {
    const runs = { none: run('none', 0, 3), honeycomb: run('honeycomb', 4, 3) };
    const a = latencyNoise(runs, 'none', { seed: 42, resamples: 500 });
    const b = latencyNoise(runs, 'none', { seed: 42, resamples: 500 });
    expect(a).toEqual(b);
    expect(resampleIndices(50, 3, 42)).toEqual(resampleIndices(50, 3, 42));
    expect(resampleIndices(50, 3, 42)).not.toEqual(resampleIndices(50, 3, 43));
  });

  it('resolves a 4 ms overhead that comparing the two p50s would bury under the injected delays', () => {
    const { vsBaseline } = latencyNoise({ none: run('none', 0, 2), datadog: run('datadog', 4, 2) }, 'none', {
      seed: 42,
      resamples: 1000,
    });
    const d = vsBaseline.datadog!;
    expect(d.withinNoise).toBe(false);
    expect(d.low).toBeGreaterThan(0);
    expect(d.low).toBeLessThanOrEqual(d.deltaPct);
    expect(d.high).toBeGreaterThanOrEqual(d.deltaPct);
    // The none run's p50 is in the 20–50 ms band, so 4 ms is roughly a tenth of it.
    expect(d.deltaPct).toBeGreaterThan(5);
    expect(d.deltaPct).toBeLessThan(25);
    expect(vsBaseline.none).toBeNull();
  });

  it('marks a vendor with no real overhead as within noise, and never ranks it', () => {
    const { vsBaseline, ranking } = latencyNoise(
      { none: run('none', 0, 5), rollbar: run('rollbar', 0, 5), sentry: run('sentry', 12, 5) },
      'none',
      { seed: 42, resamples: 1000 },
    );
    expect(vsBaseline.rollbar!.withinNoise).toBe(true);
    expect(vsBaseline.rollbar!.low).toBeLessThanOrEqual(0);
    expect(vsBaseline.rollbar!.high).toBeGreaterThanOrEqual(0);
    expect(ranking!.ranks).toEqual({ rollbar: null, sentry: 1 });
  });

  it('gives two vendors one shared rank when their difference is inside the noise', () => {
    const { ranking } = latencyNoise(
      { none: run('none', 0, 2), a: run('a', 10, 2), b: run('b', 10.1, 2), c: run('c', 25, 2) },
      'none',
      { seed: 42, resamples: 1000 },
    );
    expect(ranking!.ranks.c).toBe(2);
    expect(ranking!.ranks.a).toBe(1);
    expect(ranking!.ranks.b).toBe(1);
    const ab = ranking!.steps.find((s) => [s.from, s.to].sort().join() === 'a,b')!;
    expect(ab.gap.withinNoise).toBe(true);
    expect(ab.tie).toBe(true);
  });

  it('estimates from how many requests the ranking holds, from the interval width', () => {
    expect(requestsToResolve({ deltaPct: 2, low: -1, high: 5, withinNoise: true }, 100)).toBe(225);
    expect(requestsToResolve({ deltaPct: -4, low: -6, high: -3, withinNoise: false }, 800)).toBe(50);
    expect(requestsToResolve({ deltaPct: 20, low: 19, high: 21, withinNoise: false }, 100)).toBe(30);
    expect(requestsToResolve({ deltaPct: 0, low: -1, high: 1, withinNoise: true }, 100)).toBeNull();

    // A small real overhead, unresolved at 40 requests: the estimate says more are needed, and a run that long
    // does resolve it.
    const small = (requests: number) =>
      latencyNoise({ none: run('none', 0, 12, requests), x: run('x', 2, 12, requests) }, 'none', {
        seed: 3,
        resamples: 1000,
      });
    const short = small(40);
    expect(short.vsBaseline.x!.withinNoise).toBe(true);
    const needed = short.ranking!.stableFromRequests!;
    expect(needed).toBeGreaterThan(40);
    expect(small(Math.min(needed * 2, 2000)).vsBaseline.x!.withinNoise).toBe(false);
  });

  it('never ranks a vendor faster than the baseline: that is drift between runs, not overhead', () => {
    const { vsBaseline, ranking } = latencyNoise(
      { none: run('none', 0, 1), rollbar: run('rollbar', -3, 1), sentry: run('sentry', 12, 1) },
      'none',
      { seed: 42, resamples: 500 },
    );
    expect(vsBaseline.rollbar!.high).toBeLessThan(0);
    expect(ranking!.drift).toEqual(['rollbar']);
    expect(ranking!.ranks).toEqual({ rollbar: null, sentry: 1 });
    // Only none → sentry counts towards the estimate: more requests never average drift away.
    const sentryStep = ranking!.steps.find((s) => s.to === 'sentry')!;
    expect(ranking!.stableFromRequests).toBe(sentryStep.requestsNeeded);
  });

  it('resamples blocks of consecutive requests, so a burst that slows neighbours together widens the interval', () => {
    const draws = resampleIndices(200, 20, 9);
    for (const draw of draws) {
      for (let i = 0; i + 6 <= 200; i += 6) expect(draw[i + 5] - draw[i]).toBe(5);
    }
    // The same 3 ms overhead, once with the noise spread evenly and once arriving in bursts of 10 requests.
    const even = (name: string, over: number) =>
      Array.from({ length: N }, (_, seq) => ({
        seq,
        latencyMs: 30 + over + (uniform01(3, name, seq, 'b') - 0.5) * 8,
      }));
    const bursty = (name: string, over: number) =>
      Array.from({ length: N }, (_, seq) => ({
        seq,
        latencyMs: 30 + over + (uniform01(3, name, Math.floor(seq / 10), 'b') - 0.5) * 8,
      }));
    const width = (make: typeof even) => {
      const d = latencyNoise({ none: make('none', 0), x: make('x', 3) }, 'none', { seed: 1, resamples: 500 })
        .vsBaseline.x!;
      return d.high - d.low;
    };
    expect(width(bursty)).toBeGreaterThan(width(even));
  });

  it('widens the noise to the drift a second baseline run shows, and never ranks a gap inside it', () => {
    // The machine slowed by 4 ms between the first and the second run of the very same app.
    const runs = { none: run('none', 0, 1), rollbar: run('rollbar', 2, 1), sentry: run('sentry', 15, 1) };
    const { vsBaseline, ranking } = latencyNoise(runs, 'none', {
      seed: 42,
      resamples: 500,
      control: run('none-again', 4, 1),
    });
    expect(ranking!.driftCheck!.low).toBeGreaterThan(0);
    expect(ranking!.floorPct).toBeGreaterThanOrEqual(ranking!.driftCheck!.high);
    // Without the check, rollbar's 2 ms would count as overhead; within the drift, it does not.
    expect(latencyNoise(runs, 'none', { seed: 42, resamples: 500 }).vsBaseline.rollbar!.withinNoise).toBe(
      false,
    );
    expect(vsBaseline.rollbar!.withinNoise).toBe(true);
    expect(vsBaseline.sentry!.withinNoise).toBe(false);
    expect(ranking!.ranks).toEqual({ rollbar: null, sentry: 1 });
    expect(ranking!.steps.find((s) => s.to === 'rollbar')!).toMatchObject({
      tie: true,
      requestsNeeded: null,
    });
    expect(requestsToResolve({ deltaPct: 10, low: 8, high: 12, withinNoise: false }, 400, 6)).toBe(100);
    expect(requestsToResolve({ deltaPct: 10, low: 6, high: 14, withinNoise: true }, 100, 12)).toBeNull();
  });

  it('pairs requests by seq and uses only the seqs every run has', () => {
    const { seqs, latencies } = alignBySeq({
      none: [
        { seq: 2, latencyMs: 20 },
        { seq: 1, latencyMs: 10 },
        { seq: 3, latencyMs: 30 },
      ],
      x: [
        { seq: 1, latencyMs: 11 },
        { seq: 2, latencyMs: 22 },
      ],
    });
    expect(seqs).toEqual([1, 2]);
    expect(latencies).toEqual({ none: [10, 20], x: [11, 22] });
    expect(pairedDelta([], [], [])).toBeNull();
    expect(pairedDelta([1, 2], [0, 0], [])).toBeNull();
  });

  it('reports nothing to rank without a baseline run', () => {
    const result = latencyNoise({ honeycomb: run('honeycomb', 3, 1) }, 'none', { seed: 1, resamples: 10 });
    expect(result).toEqual({ vsBaseline: { honeycomb: null }, ranking: null });
  });
});
