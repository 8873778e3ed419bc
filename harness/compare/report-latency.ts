/**
 * The report's latency figures with their noise: "±" intervals, "within noise" instead of a rank, and how many
 * requests would make the ranking stable on this machine (see latency-noise.ts for the method).
 */
import { BASELINE, blockLength, type LatencyDelta, type LatencyRanking, marginOf } from './latency-noise';
import type { VendorMetrics } from './metrics';

const pct = (v: number) => `${v > 0 ? '+' : v < 0 ? '-' : ''}${Math.abs(v).toFixed(1)}%`;

/** `+12.3% ± 3.1`, `+2.9% ± 4.0, within noise`, or `-3.0% ± 2.8, faster than none: drift`. */
export function deltaText(delta: LatencyDelta, against: string | null = null): string {
  const text = `${pct(delta.deltaPct)} ± ${marginOf(delta).toFixed(1)}`;
  if (delta.withinNoise) return `${text}, within noise`;
  return against && delta.high < 0 ? `${text}, faster than ${against}: drift` : text;
}

/** The "vs none" cell of one vendor. */
export function vsNoneText(name: string, m: VendorMetrics): string {
  if (name === BASELINE) return 'baseline';
  return m.latencyVsNone ? deltaText(m.latencyVsNone, BASELINE) : '—';
}

function rankText(ranking: LatencyRanking | null, name: string): string {
  if (name === BASELINE) return 'baseline';
  if (!ranking || !(name in ranking.ranks)) return '—';
  const rank = ranking.ranks[name];
  if (ranking.drift.includes(name)) return 'drift';
  if (rank === null) return 'within noise';
  const shared = Object.values(ranking.ranks).filter((r) => r === rank).length > 1;
  return shared ? `=${rank}` : String(rank);
}

const fmtMs = (v: number | null) => (v === null ? '—' : `${v} ms`);

const ESTIMATE_NOTE =
  " Estimated from this run's spread: an interval narrows as 1/√n, so a gap is told apart from about " +
  "n × (its interval's distance to 0 ÷ how far the gap is beyond the noise floor)² requests.";

/** One sentence: from how many requests per vendor the order holds, and which neighbours are ties. */
export function stabilityLine(ranking: LatencyRanking | null): string {
  if (!ranking) return `No \`${BASELINE}\` run in this compare, so no overhead or ranking.`;
  const ties = ranking.steps.filter((s) => s.tie).map((s) => `${s.from}/${s.to}`);
  const tieNote = ties.length
    ? ` Neighbours closer than ${Math.max(ranking.tiePct, ranking.floorPct).toFixed(1)}% of the baseline p50 ` +
      `(${ties.join(', ')}) are ties: no practical run separates them, so they are left out.`
    : '';
  const driftNote = ranking.drift.length
    ? ` ${ranking.drift.join(', ')} ran faster than \`${ranking.baseline}\` outside the noise: telemetry adds work, so ` +
      'that is the machine changing between two runs, which more requests do not average away; a difference of that ' +
      'size is drift, not overhead, and it is left out too.'
    : '';
  const check = ranking.driftCheck;
  const checkNote = check
    ? ` A second \`${ranking.baseline}\` run after every vendor came out ${pct(check.deltaPct)} (${pct(check.low)} … ` +
      `${pct(check.high)}) against the first: on this machine two runs of the same app differ by up to ` +
      `${ranking.floorPct.toFixed(1)}%, so a difference whose interval reaches inside ±${ranking.floorPct.toFixed(1)}% ` +
      'is within noise, and a gap that small is not ranked however many requests are sent.'
    : '';
  if (ranking.stableFromRequests === null) {
    return `**No ranking holds on this machine**: every gap between neighbours is a tie or drift.${checkNote}${tieNote}${driftNote}`;
  }
  const n = ranking.stableFromRequests;
  const verdict =
    n <= ranking.requests
      ? `this run's ${ranking.requests} are enough`
      : `this run's ${ranking.requests} are not: below that, read only what is outside the noise`;
  return `**Ranking stable from about ${n} requests per vendor on this machine** (${verdict}).${checkNote}${tieNote}${driftNote}`;
}

/** The Latency section: p50/p99 per vendor, the overhead with its interval, the rank, and the ranking's steps. */
export function latencySection(
  vendors: Array<[string, VendorMetrics]>,
  ranking: LatencyRanking | null,
  table: (head: string[], rows: string[][]) => string,
): string {
  const level = ranking ? Math.round(ranking.confidence * 100) : 95;
  const rows = vendors.map(([name, m]) => [
    name,
    `${fmtMs(m.latencyMsP50)} / ${fmtMs(m.latencyMsP99)}`,
    vsNoneText(name, m),
    m.latencyVsNone ? `${pct(m.latencyVsNone.low)} … ${pct(m.latencyVsNone.high)}` : '—',
    rankText(ranking, name),
  ]);
  const steps = ranking?.steps.length
    ? `\n\n${table(
        ['neighbours (less → more overhead)', 'gap', `${level}% interval`, 'requests to tell apart'],
        ranking.steps.map((s) => [
          `${s.from} → ${s.to}`,
          deltaText(s.gap),
          `${pct(s.gap.low)} … ${pct(s.gap.high)}`,
          s.tie ? 'tie' : s.requestsNeeded === null ? '—' : `~${s.requestsNeeded}`,
        ]),
      )}`
    : '';
  return `Client-side latency. **vs ${BASELINE}** is the median of the per-request differences against the \`${BASELINE}\` run
(request *k* against request *k*: same route, same injected delay and fault), as a share of its p50, with a
${level}% bootstrap interval over requests${ranking ? ` (${ranking.resamples} seeded resamples of ${ranking.requests} requests, in blocks of ${blockLength(ranking.requests)} consecutive ones)` : ''}.
An interval that contains 0 is **within noise** and gets no rank; vendors whose difference from each other is
within noise share a rank (1 = least overhead).

${table(['vendor', 'p50 / p99', `vs ${BASELINE}`, `${level}% interval`, 'rank'], rows)}

${stabilityLine(ranking)}${ranking?.stableFromRequests ? ESTIMATE_NOTE : ''}${steps}

Vendors run one after another, so the interval holds request-to-request noise (and bursts that slow a few
neighbouring requests together), not a machine that slows down between two vendors' runs; a vendor "faster" than
\`${BASELINE}\` is the visible sign of that drift. For CPU cost measured in interleaved rounds on pinned cores, see
\`docs/performance.md\`.`;
}
