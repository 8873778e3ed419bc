/**
 * Latency with its noise. Every vendor's run sends the same seqs with the same injected delays and faults, so
 * request k under a vendor and request k under `none` differ only by the vendor's overhead and by noise. The
 * overhead is the median of those per-request differences, as a share of the baseline's p50; its interval comes
 * from a moving-block bootstrap over requests (the same seeded draws for every vendor, so a report is deterministic
 * for its input, and two vendors' gap is read off the same resamples). A difference whose interval contains 0 is
 * "within noise" and is never ranked.
 *
 * What the interval cannot see: vendors run one after another, so a machine that slows down between two runs
 * shifts one vendor's figures as a whole (a vendor "faster" than `none` is the visible sign). Interleaved rounds
 * (`npm run bench`) measure that way; this is the compare report's view of the same question.
 */
import { uniform01 } from '../../shared/random';
import { percentile } from './percentile';

/** `report.json`'s `latencyVsNone`: percent of the baseline's p50, with the interval the spread supports. */
export interface LatencyDelta {
  deltaPct: number;
  low: number;
  high: number;
  withinNoise: boolean;
}

export interface NoiseOptions {
  /** Seed of the resampling; the compare's own seed, so the same input gives the same report. */
  seed: number;
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Interval coverage. Default 0.95. */
  confidence?: number;
  /** A second run of the baseline, made after every vendor: measures how much the machine drifts between runs. */
  control?: readonly TimedRequest[];
}

/** One request as the load generator timed it. */
export interface TimedRequest {
  seq: number;
  latencyMs: number;
}

/** The run every vendor's latency is compared against: the same app with no telemetry at all. */
export const BASELINE = 'none' as const;
/** Internal name of the baseline's second run. */
const CONTROL = '\u0000control';

const DEFAULT_RESAMPLES = 2000;
const DEFAULT_CONFIDENCE = 0.95;

/** Nearest-rank median, as `percentile(values, 50)`; sorts `values` in place (a typed array sorts numerically, fast). */
function medianInPlace(values: Float64Array): number {
  if (values.length === 0) return Number.NaN;
  values.sort();
  return values[Math.max(0, Math.ceil(values.length / 2) - 1)];
}
const median = (values: readonly number[]): number => medianInPlace(Float64Array.from(values));
const round2 = (v: number) => Math.round(v * 100) / 100;

/** Latencies of the seqs every run has, aligned by seq (index i is the same request in every run). */
export function alignBySeq(runs: Record<string, readonly TimedRequest[]>): {
  seqs: number[];
  latencies: Record<string, number[]>;
} {
  const maps = Object.entries(runs).map(
    ([name, sent]) => [name, new Map(sent.map((r) => [r.seq, r.latencyMs]))] as const,
  );
  const seqs = maps.length
    ? [...maps[0][1].keys()].filter((seq) => maps.every(([, m]) => m.has(seq))).sort((a, b) => a - b)
    : [];
  const latencies: Record<string, number[]> = {};
  for (const [name, m] of maps) latencies[name] = seqs.map((seq) => m.get(seq)!);
  return { seqs, latencies };
}

/** Block length of the bootstrap for `n` requests: ∛n (6 for 200), the usual order for a moving-block bootstrap. */
export const blockLength = (n: number) => Math.max(1, Math.round(Math.cbrt(n)));

/**
 * Seeded moving-block bootstrap draws: `resamples` lists of `n` indices in [0, n), made of runs of `blockLength(n)`
 * consecutive requests. Requests in flight together share the machine's moment (another process's burst slows a
 * few neighbours at once), so resampling them one by one would make the interval too narrow. Shared by every
 * comparison of one report, so all vendors are judged on the same resamples.
 */
export function resampleIndices(n: number, resamples: number, seed: number): Uint32Array[] {
  const next = mulberry32(Math.floor(uniform01(seed, 'bootstrap', 0, 'seed') * 2 ** 32));
  const block = Math.min(blockLength(n), n);
  const out: Uint32Array[] = [];
  for (let r = 0; r < resamples; r++) {
    const draw = new Uint32Array(n);
    for (let i = 0; i < n;) {
      const start = Math.floor(next() * (n - block + 1));
      for (let j = 0; j < block && i < n; j++) draw[i++] = start + j;
    }
    out.push(draw);
  }
  return out;
}

/**
 * A small sequential PRNG (mulberry32) seeded from the chaos hash: hundreds of thousands of draws per report, where
 * hashing a string per draw (uniform01) would cost seconds.
 */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A statistic on the sample, and on each bootstrap resample (the same draws for every vendor). */
export interface Bootstrapped {
  point: number;
  /** NaN where a resample's baseline median is not positive. */
  resampled: Float64Array;
}

/**
 * The overhead of `subject` against `baseline` (aligned by seq): the median of `subject[i] - baseline[i]` as a
 * percentage of the baseline's median, on the sample and on each resample. Null when there is nothing to compare.
 */
export function bootstrapOverhead(
  subject: readonly number[],
  baseline: readonly number[],
  draws: readonly Uint32Array[],
): Bootstrapped | null {
  const n = subject.length;
  if (n === 0 || baseline.length !== n) return null;
  const diffs = subject.map((v, i) => v - baseline[i]);
  const base = median(baseline);
  if (!(base > 0)) return null;
  const resampled = new Float64Array(draws.length);
  const d = new Float64Array(n);
  const b = new Float64Array(n);
  draws.forEach((draw, r) => {
    for (let i = 0; i < n; i++) {
      d[i] = diffs[draw[i]];
      b[i] = baseline[draw[i]];
    }
    const resampledBase = medianInPlace(b);
    resampled[r] = resampledBase > 0 ? (medianInPlace(d) / resampledBase) * 100 : Number.NaN;
  });
  return { point: (median(diffs) / base) * 100, resampled };
}

/** `to` minus `from`, resample by resample: how far apart two vendors' overheads are. */
export function gapBetween(from: Bootstrapped, to: Bootstrapped): Bootstrapped {
  return { point: to.point - from.point, resampled: to.resampled.map((v, r) => v - from.resampled[r]) };
}

/** The percentile interval of a bootstrapped statistic; `withinNoise` when it contains 0. */
export function intervalOf(stat: Bootstrapped, confidence = DEFAULT_CONFIDENCE): LatencyDelta {
  const values = [...stat.resampled].filter((v) => !Number.isNaN(v));
  const tail = ((1 - confidence) / 2) * 100;
  const low = Math.min(percentile(values, tail) ?? stat.point, stat.point);
  const high = Math.max(percentile(values, 100 - tail) ?? stat.point, stat.point);
  return {
    deltaPct: round2(stat.point),
    low: round2(low),
    high: round2(high),
    withinNoise: low <= 0 && high >= 0,
  };
}

/** `bootstrapOverhead` with its interval, or null. */
export function pairedDelta(
  subject: readonly number[],
  baseline: readonly number[],
  draws: readonly Uint32Array[],
  confidence = DEFAULT_CONFIDENCE,
): LatencyDelta | null {
  const stat = bootstrapOverhead(subject, baseline, draws);
  return stat && intervalOf(stat, confidence);
}

/** The "±" the report prints: the larger distance from the estimate to either end of its interval. */
export function marginOf(delta: LatencyDelta): number {
  return round2(Math.max(delta.deltaPct - delta.low, delta.high - delta.deltaPct));
}

/** The 1/√n extrapolation means little for a few requests: no estimate goes below this. */
export const MIN_REQUESTS_ESTIMATE = 30;

/**
 * Requests per vendor at which this gap's interval would clear the noise floor (0, or the drift between two
 * baseline runs), if its width shrinks as 1/√n (as a median's does): n × (distance from the estimate to the
 * interval's end nearest 0 ÷ how far the estimate is beyond the floor)². Null for a gap inside the floor, which no
 * number of requests resolves: drift does not average away.
 */
export function requestsToResolve(delta: LatencyDelta, requests: number, floorPct = 0): number | null {
  const gap = delta.deltaPct;
  const beyond = Math.abs(gap) - floorPct;
  if (gap === 0 || beyond <= 0) return null;
  const towardZero = gap > 0 ? gap - delta.low : delta.high - gap;
  return Math.max(MIN_REQUESTS_ESTIMATE, Math.ceil(requests * (towardZero / beyond) ** 2));
}

/** Two neighbours in the overhead order (least overhead first), and what separating them takes. */
export interface RankingStep {
  from: string;
  to: string;
  /** `to` minus `from`, percent of the baseline's p50, with its interval. */
  gap: LatencyDelta;
  requestsNeeded: number | null;
  /** Closer than `TIE_PCT` or the noise floor: not worth separating, left out of `stableFromRequests`. */
  tie: boolean;
}

export interface LatencyRanking {
  /** The baseline every percentage is relative to. */
  baseline: string;
  /** Requests per vendor paired by seq in this run. */
  requests: number;
  resamples: number;
  confidence: number;
  /**
   * Rank by overhead, 1 = least; vendors sharing a rank are within noise of each other; null = within noise of the
   * baseline, or faster than it (`drift`).
   */
  ranks: Record<string, number | null>;
  /** The baseline's second run against its first (null without one): the machine's drift between runs. */
  driftCheck: LatencyDelta | null;
  /**
   * The noise floor, percent of the baseline's p50: the farthest end of `driftCheck`'s interval from 0 (0 without
   * one). A difference whose interval reaches inside ±floor is within noise: two runs of the same app differ that much.
   */
  floorPct: number;
  /**
   * Vendors faster than the baseline outside the noise. Telemetry adds work, so that is the machine changing
   * between two runs (vendors run one after another), which no number of requests averages away: not ranked.
   */
  drift: string[];
  steps: RankingStep[];
  /**
   * Estimated requests per vendor from which every non-tied neighbouring pair is separated on this machine (the
   * largest `requestsNeeded` among them); null when there is nothing to rank.
   */
  stableFromRequests: number | null;
  /** Gaps smaller than this share of the baseline's p50 count as ties. */
  tiePct: number;
}

/** Gaps under 1% of the baseline's p50 (a third of a millisecond on the committed run) are ties. */
export const TIE_PCT = 1;

/**
 * Every vendor's overhead against the baseline, and the ranking the spread supports. `runs` holds each vendor's
 * requests, the baseline's included.
 */
export function latencyNoise(
  runs: Record<string, readonly TimedRequest[]>,
  baseline: string,
  options: NoiseOptions,
): { vsBaseline: Record<string, LatencyDelta | null>; ranking: LatencyRanking | null } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const vsBaseline: Record<string, LatencyDelta | null> = {};
  for (const name of Object.keys(runs)) vsBaseline[name] = null;
  if (!runs[baseline]) return { vsBaseline, ranking: null };
  const all: Record<string, readonly TimedRequest[]> = { ...runs };
  if (options.control?.length) all[CONTROL] = options.control;
  const { seqs, latencies } = alignBySeq(all);
  const draws = resampleIndices(seqs.length, resamples, options.seed);
  const controlStat = latencies[CONTROL]
    ? bootstrapOverhead(latencies[CONTROL], latencies[baseline], draws)
    : null;
  const driftCheck = controlStat && intervalOf(controlStat, confidence);
  const floorPct = driftCheck ? Math.max(Math.abs(driftCheck.low), Math.abs(driftCheck.high)) : 0;
  // Within noise: the interval reaches inside ±floor (with no drift check, the floor is 0: it contains 0).
  const judged = (d: LatencyDelta): LatencyDelta => ({
    ...d,
    withinNoise: d.low <= floorPct && d.high >= -floorPct,
  });
  const vendors = Object.keys(runs).filter((name) => name !== baseline);
  const stats = new Map<string, Bootstrapped>();
  for (const name of vendors) {
    const stat = bootstrapOverhead(latencies[name], latencies[baseline], draws);
    if (stat) stats.set(name, stat);
    vsBaseline[name] = stat && judged(intervalOf(stat, confidence));
  }
  // The baseline against itself: 0 on every resample.
  stats.set(baseline, { point: 0, resampled: new Float64Array(draws.length) });
  const compare = (from: string, to: string) =>
    judged(intervalOf(gapBetween(stats.get(from)!, stats.get(to)!), confidence));

  const measured = vendors.filter((name) => vsBaseline[name] !== null);
  if (measured.length === 0) return { vsBaseline, ranking: null };
  const order = [baseline, ...measured].sort(
    (a, b) => (vsBaseline[a]?.deltaPct ?? 0) - (vsBaseline[b]?.deltaPct ?? 0),
  );
  const steps: RankingStep[] = [];
  for (let i = 1; i < order.length; i++) {
    const gap = compare(order[i - 1], order[i]);
    steps.push({
      from: order[i - 1],
      to: order[i],
      gap,
      requestsNeeded: requestsToResolve(gap, seqs.length, floorPct),
      tie: Math.abs(gap.deltaPct) < Math.max(TIE_PCT, floorPct),
    });
  }
  const drift = measured.filter((name) => vsBaseline[name]!.high < -floorPct);
  const ranks: Record<string, number | null> = {};
  let rank = 0;
  let previous: string | null = null;
  for (const name of order) {
    if (name === baseline) continue;
    if (vsBaseline[name]!.withinNoise || drift.includes(name)) {
      ranks[name] = null;
      continue;
    }
    // A new rank only when this vendor is told apart from the last ranked one.
    if (previous === null || !compare(previous, name).withinNoise) rank++;
    ranks[name] = rank;
    previous = name;
  }
  const needed = steps
    .filter((s) => !s.tie && !drift.includes(s.from) && !drift.includes(s.to))
    .map((s) => s.requestsNeeded);
  return {
    vsBaseline,
    ranking: {
      baseline,
      requests: seqs.length,
      resamples,
      confidence,
      ranks,
      driftCheck,
      floorPct: round2(floorPct),
      drift,
      steps,
      stableFromRequests:
        needed.length === 0 || needed.includes(null) ? null : Math.max(...(needed as number[])),
      tiePct: TIE_PCT,
    },
  };
}
