/**
 * Latency by attribute (issue 14; the seed homework's Honeycomb board): per vendor, a heatmap of request duration
 * over time, and count, p50, p95, p99 and error rate grouped by an attribute (`route`, `status`, or any key such
 * as `app.user_handle` or `chaos.rule`). Computed server-side over the store's read API. Tracing vendors give one
 * sample per trace (its duration, as trace search filters it); a log vendor gives one per access-log line that
 * carries a duration (CloudWatch's `http.duration_ms`); a vendor with neither says so.
 */
import type { LogRecord, SandboxVendor, SpanRecord } from '../model';
import type { TraceSummary } from '../store';
import { VENDOR_MANIFEST } from '../vendor-manifest';
import { keySpellings } from './attribute-key';
import { durationStats, type DurationStats } from './duration-stats';
import { cachedFacts } from './search';

/** Group-by keys with a meaning of their own; any other key is read from the spans' (or lines') attributes. */
export const ROUTE_KEY = 'route';
export const STATUS_KEY = 'status';
export const NONE = '(none)';
const MAX_GROUPS = 50;
const CELL_SAMPLES = 50;

export interface LatencyQuery {
  vendors: SandboxVendor[];
  run?: string;
  by: string;
  /** Only the samples whose group value is this (heatmap and totals); the group table always lists all. */
  group?: string;
  buckets: number;
  bands: number;
  /** A heatmap cell whose samples to list: `[vendor, band, bucket]`. */
  cell?: [SandboxVendor, number, number];
}

export interface Sample {
  startMs: number;
  durationMs: number;
  error: boolean;
  value: string;
  /** The attribute key the value was read under, for a search link (`http.response.status_code`, …). */
  key: string | null;
  traceId: string | null;
  runId: string | null;
  seq: number | null;
  label: string;
}

export interface LatencyGroup extends DurationStats {
  value: string;
  key: string | null;
}

export interface VendorLatency {
  vendor: SandboxVendor;
  label: string;
  source: 'traces' | 'logs' | null;
  /** Why the vendor shows nothing, when it cannot or has not yet. */
  reason: string | null;
  /** Of the samples in the selected group (all samples when none is selected). */
  stats: DurationStats;
  groups: LatencyGroup[];
  /** Groups beyond the first `MAX_GROUPS` (by count), left out of `groups`. */
  moreGroups: number;
  /** This vendor's time axis: `buckets` columns of `bucketMs` from `startMs`. */
  time: { startMs: number; bucketMs: number; buckets: number };
  /** `cells[band][bucket]`: sample count. */
  cells: number[][];
  /** Samples of the requested cell (newest first, at most 50), when that cell is this vendor's. */
  cellSamples: Sample[] | null;
}

export interface LatencyBoard {
  by: string;
  group: string | null;
  run: string | null;
  /** Duration bands, ascending, log-spaced: `[minMs, maxMs)`, the last one closed. */
  bands: Array<{ minMs: number; maxMs: number }>;
  vendors: VendorLatency[];
}

export interface LatencySource {
  traceEntries(vendor?: SandboxVendor): Iterable<{ summary: TraceSummary; spans: Iterable<SpanRecord> }>;
  listLogs(filter: { vendor?: SandboxVendor; run?: string }): LogRecord[];
}

const DURATION_KEYS = ['http.duration_ms', 'duration_ms', 'durationMs', 'http.server.duration_ms'] as const;
const LOG_STATUS_KEYS = ['http.status_code', 'http.response.status_code', 'status'] as const;

/** Reads `key` (under its vendor spellings) from the bags in order; the first that has it wins. */
function lookup(bags: Iterable<Record<string, unknown>>, key: string): { value: string; key: string } | null {
  const { keys } = keySpellings(key);
  for (const bag of bags) {
    for (const k of keys) {
      const v = bag[k];
      if (v === undefined || v === null || v === '') continue;
      return { value: typeof v === 'object' ? JSON.stringify(v) : String(v), key: k };
    }
  }
  return null;
}

/** The root span's attributes, then every other span's. */
function* traceBags(root: SpanRecord | undefined, spans: Iterable<SpanRecord>) {
  if (root) yield root.attributes;
  for (const s of spans) if (s !== root) yield s.attributes;
}

function traceSample(summary: TraceSummary, spans: Iterable<SpanRecord>, by: string): Sample {
  const facts = cachedFacts(summary, spans);
  let found: { value: string; key: string | null } | null;
  if (by === ROUTE_KEY) found = { value: facts.route, key: null };
  else if (by === STATUS_KEY)
    found = facts.httpStatus === null ? null : { value: String(facts.httpStatus), key: null };
  else {
    let root: SpanRecord | undefined;
    for (const s of spans) if (s.spanId === summary.rootSpanId) root = s;
    found = lookup(traceBags(root, spans), by);
  }
  return {
    startMs: summary.startMs,
    durationMs: summary.durationMs,
    error: summary.error || (facts.httpStatus !== null && facts.httpStatus >= 500),
    value: found?.value ?? NONE,
    key: found?.key ?? null,
    traceId: summary.traceId,
    runId: summary.runId,
    seq: summary.seq,
    label: facts.route,
  };
}

function logSample(line: LogRecord, by: string): Sample | null {
  const duration = lookupAny(line, DURATION_KEYS);
  const ms = Number(duration?.value);
  if (!duration || !Number.isFinite(ms)) return null;
  const status = Number(lookupAny(line, LOG_STATUS_KEYS)?.value);
  const route = lookup([line.attributes], 'http.route')?.value ?? line.message;
  const found =
    by === ROUTE_KEY
      ? { value: route, key: 'http.route' }
      : by === STATUS_KEY
        ? Number.isFinite(status)
          ? { value: String(status), key: null }
          : null
        : lookup([line.attributes], by);
  return {
    startMs: line.timestamp - ms,
    durationMs: ms,
    error: (Number.isFinite(status) && status >= 500) || /^(error|fatal|critical)$/i.test(line.level),
    value: found?.value ?? NONE,
    key: found?.key ?? null,
    traceId: line.traceId,
    runId: line.runId,
    seq: line.seq,
    label: line.message,
  };
}

function lookupAny(line: LogRecord, keys: readonly string[]) {
  for (const key of keys) {
    const found = lookup([line.attributes], key);
    if (found) return found;
  }
  return null;
}

function reasonFor(label: string, source: VendorLatency['source'], n: number, run?: string) {
  if (source === null)
    return `${label} receives errors only: no spans and no timed log lines, so it records no request durations.`;
  if (n > 0) return null;
  return source === 'logs'
    ? `No ${label} log lines with a duration${run ? ` in run ${run}` : ''} yet.`
    : `No ${label} traces${run ? ` in run ${run}` : ''} yet.`;
}

/** Samples of one vendor: from its traces, or its timed log lines when it keeps no spans. */
function samplesOf(source: LatencySource, vendor: SandboxVendor, q: LatencyQuery) {
  const manifest = VENDOR_MANIFEST.find((m) => m.vendor === vendor);
  const from: VendorLatency['source'] = manifest?.signals.includes('traces')
    ? 'traces'
    : manifest?.signals.includes('logs')
      ? 'logs'
      : null;
  const samples: Sample[] = [];
  if (from === 'traces') {
    for (const { summary, spans } of source.traceEntries(vendor)) {
      if (q.run !== undefined && summary.runId !== q.run) continue;
      samples.push(traceSample(summary, spans, q.by));
    }
  } else if (from === 'logs') {
    for (const line of source.listLogs({ vendor, run: q.run })) {
      const s = logSample(line, q.by);
      if (s) samples.push(s);
    }
  }
  return { label: manifest?.label ?? vendor, from, samples };
}

function groupsOf(samples: Sample[]): { groups: LatencyGroup[]; more: number } {
  const byValue = new Map<string, { key: string | null; durations: number[]; errors: number }>();
  for (const s of samples) {
    let g = byValue.get(s.value);
    if (!g) byValue.set(s.value, (g = { key: s.key, durations: [], errors: 0 }));
    g.durations.push(s.durationMs);
    if (s.error) g.errors++;
  }
  const groups = [...byValue.entries()]
    .map(([value, g]) => ({ value, key: g.key, ...durationStats(g.durations, g.errors) }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  return { groups: groups.slice(0, MAX_GROUPS), more: Math.max(0, groups.length - MAX_GROUPS) };
}

/** Log-spaced bands from the fastest to the slowest sample (at least 0.1 ms wide at the bottom). */
function bandsFor(min: number, max: number, count: number): LatencyBoard['bands'] {
  const lo = Math.max(0.1, min);
  const hi = Math.max(lo * 1.01, max);
  const edge = (i: number) => lo * (hi / lo) ** (i / count);
  return Array.from({ length: count }, (_, i) => ({
    minMs: i === 0 ? 0 : round(edge(i)),
    maxMs: round(edge(i + 1)),
  }));
}

const round = (ms: number) => Math.round(ms * 100) / 100;

function bandOf(bands: LatencyBoard['bands'], ms: number): number {
  // Few bands: a scan is as fast as a search and keeps the edge rule in one place.
  for (let i = 0; i < bands.length; i++) if (ms < bands[i].maxMs) return i;
  return bands.length - 1;
}

/** Time buckets over one vendor's samples: each vendor its own axis, since `compare` runs vendors one after another. */
function timeAxis(samples: Sample[], buckets: number): VendorLatency['time'] {
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    min = Math.min(min, s.startMs);
    max = Math.max(max, s.startMs);
  }
  if (min === Infinity) return { startMs: 0, bucketMs: 1, buckets };
  return { startMs: min, bucketMs: Math.max(1, Math.ceil((max - min + 1) / buckets)), buckets };
}

export function latencyBoard(source: LatencySource, q: LatencyQuery): LatencyBoard {
  const perVendor = q.vendors.map((vendor) => ({ vendor, ...samplesOf(source, vendor, q) }));
  const selected = (s: Sample) => q.group === undefined || s.value === q.group;
  // Duration bands are shared, so the vendors' heatmaps compare row for row.
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (const v of perVendor) {
    for (const s of v.samples) {
      if (!selected(s)) continue;
      minMs = Math.min(minMs, s.durationMs);
      maxMs = Math.max(maxMs, s.durationMs);
    }
  }
  const empty = minMs === Infinity;
  const bands = bandsFor(empty ? 1 : minMs, empty ? 1000 : maxMs, q.bands);
  const vendors = perVendor.map(({ vendor, label, from, samples }): VendorLatency => {
    const cells = bands.map(() => new Array<number>(q.buckets).fill(0));
    const inGroup = samples.filter(selected);
    const time = timeAxis(inGroup, q.buckets);
    const wantCell = q.cell && q.cell[0] === vendor ? q.cell : null;
    const cellSamples: Sample[] = [];
    let errors = 0;
    for (const s of inGroup) {
      const band = bandOf(bands, s.durationMs);
      const bucket = Math.min(q.buckets - 1, Math.floor((s.startMs - time.startMs) / time.bucketMs));
      cells[band][bucket]++;
      if (s.error) errors++;
      if (wantCell && wantCell[1] === band && wantCell[2] === bucket) cellSamples.push(s);
    }
    const { groups, more } = groupsOf(samples);
    return {
      vendor,
      label,
      source: from,
      reason: reasonFor(label, from, samples.length, q.run),
      stats: durationStats(
        inGroup.map((s) => s.durationMs),
        errors,
      ),
      groups,
      moreGroups: more,
      time,
      cells,
      cellSamples: wantCell ? cellSamples.sort((a, b) => b.startMs - a.startMs).slice(0, CELL_SAMPLES) : null,
    };
  });
  return { by: q.by, group: q.group ?? null, run: q.run ?? null, bands, vendors };
}
