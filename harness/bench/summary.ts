/** Per-arm figures from the rounds' samples: medians, ranges, ratios to `none` and `bare`, validity. */
import type { ArmResult, RoundSample } from './types';

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const present = (values: ReadonlyArray<number | null>): number[] =>
  values.filter((v): v is number => v !== null && Number.isFinite(v));

function ratio(value: number | null, reference: number | null): number | null {
  return value !== null && reference !== null && reference > 0 ? value / reference : null;
}

/** An arm's figures before ratios (they need the other arms). */
export function summarizeArm(name: string, rounds: RoundSample[], startFailures: string[]): ArmResult {
  const measured = rounds.filter((r) => r.requests > 0);
  const rps = measured.map((r) => r.rps);
  const served = measured.reduce((sum, r) => sum + r.servedRequests, 0);
  const bytes = measured.reduce((sum, r) => sum + r.vendorBytes, 0);
  const payloads = measured.reduce((sum, r) => sum + r.vendorPayloads, 0);
  const invalidReasons = [
    ...startFailures,
    ...rounds.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)),
  ];
  if (measured.length === 0 && invalidReasons.length === 0) invalidReasons.push('no round completed');
  return {
    name,
    rpsMedian: median(rps),
    rpsMin: rps.length ? Math.min(...rps) : null,
    rpsMax: rps.length ? Math.max(...rps) : null,
    p50Ms: median(measured.map((r) => r.p50Ms)),
    p97_5Ms: median(measured.map((r) => r.p97_5Ms)),
    p99Ms: median(measured.map((r) => r.p99Ms)),
    cpuMsPerRequest: median(present(measured.map((r) => r.cpuMsPerRequest))),
    rssMb: median(present(measured.map((r) => r.rssMb))),
    // Totals over all rounds: exporters batch, so one round's bytes land unevenly between rounds.
    bytesPerRequest: served > 0 ? bytes / served : null,
    payloadsPerRequest: served > 0 ? payloads / served : null,
    lightRpsMedian: median(measured.map((r) => r.lightRps)),
    lightCpuMsPerRequest: median(present(measured.map((r) => r.lightCpuMsPerRequest))),
    ratioToNone: null,
    ratioToBare: null,
    lightRatioToNone: null,
    lightRatioToBare: null,
    valid: invalidReasons.length === 0,
    invalidReasons,
    rounds,
  };
}

/** Fills in each arm's ratios to the `none` and `bare` arms (when those ran). */
export function withRatios(arms: ArmResult[]): ArmResult[] {
  const none = arms.find((a) => a.name === 'none');
  const bare = arms.find((a) => a.name === 'bare');
  return arms.map((arm) => ({
    ...arm,
    ratioToNone: ratio(arm.rpsMedian, none?.rpsMedian ?? null),
    ratioToBare: ratio(arm.rpsMedian, bare?.rpsMedian ?? null),
    lightRatioToNone: ratio(arm.lightRpsMedian, none?.lightRpsMedian ?? null),
    lightRatioToBare: ratio(arm.lightRpsMedian, bare?.lightRpsMedian ?? null),
  }));
}
