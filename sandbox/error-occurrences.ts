/**
 * The one rule for "an error occurrence". Vendors send the same failure as several native records (X-Ray copies
 * a fault's cause onto the segment and each subsegment it passed through, dd-trace tags every Express layer span,
 * OTel instrumentations add their own `exception` event); their consoles count it once. `/api/errors`, the
 * side-by-side view and the compare report all count occurrences through this module, and keep the native records
 * inside each occurrence as a fidelity fact rather than as extra errors.
 */
import { VENDORS } from '../vendors';
import {
  type ErrorRecord,
  type LogRecord,
  SANDBOX_VENDORS,
  type SandboxVendor,
  type SpanRecord,
} from './model';
import type { ErrorOccurrence } from '../shared/sandbox-api';

/**
 * How a vendor's console counts errors:
 * - `per-request`: records of one request (trace, else run and seq) with the same type and message are one;
 * - `per-record`: every record is one (an error tracker's event or item).
 * `source` says where the records live: error events, or log lines that carry an exception.
 */
export interface OccurrenceRule {
  source: 'errors' | 'logs';
  grouping: 'per-request' | 'per-record';
  /** What the vendor's console shows, for the docs table. */
  console: string;
}

const PER_TRACE_EXCEPTION_EVENT: OccurrenceRule = {
  source: 'errors',
  grouping: 'per-request',
  console:
    'An `exception` span event. The same exception recorded on several spans of one trace (the root and the ' +
    'Express layer it passed through) is one occurrence, as a query on `exception.message` grouped by trace shows it.',
};

/**
 * By wire protocol (the manifest's `sandboxIngest`): a vendor that speaks OTLP (Honeycomb, any OTLP backend, X-Ray
 * through OpenTelemetry) sends exceptions as span events, whichever console shows them.
 */
const RULES_BY_INGEST: Readonly<Record<string, OccurrenceRule>> = {
  otlp: PER_TRACE_EXCEPTION_EVENT,
  xray: {
    source: 'errors',
    grouping: 'per-request',
    console:
      "A fault's `cause` is copied onto the segment and every subsegment it passed through; the console's " +
      'Analytics counts one fault per trace.',
  },
  sentry: {
    source: 'errors',
    grouping: 'per-record',
    console: "One event is one occurrence (an issue's event count).",
  },
  rollbar: {
    source: 'errors',
    grouping: 'per-record',
    console: "One item is one occurrence (an item's occurrence count).",
  },
  datadog: {
    source: 'errors',
    grouping: 'per-request',
    console:
      'dd-trace tags every span an exception passes through (`error.type`, `error.message`); Error Tracking ' +
      'shows it once per trace, from the service-entry span.',
  },
  cloudwatch: {
    source: 'logs',
    grouping: 'per-request',
    console:
      'No error product: a log line at level warn or above that carries an exception (`error.type`) is an ' +
      "occurrence, and one request's lines with the same type and message (the adapter's captured-error line and " +
      "the app's error log) are one, as they are one row of Logs Insights' `stats count() by error.type, bakeoff.seq`. " +
      'Access-log lines at level error carry no exception and stay log lines.',
  },
};

/** Each sandbox vendor's rule, from its manifest's ingest: a new vendor on a known protocol needs no entry here. */
export const OCCURRENCE_RULES: Readonly<Record<SandboxVendor, OccurrenceRule>> = Object.freeze(
  Object.fromEntries(SANDBOX_VENDORS.map((vendor) => [vendor, ruleOf(vendor)])) as Record<
    SandboxVendor,
    OccurrenceRule
  >,
);

function ruleOf(vendor: SandboxVendor): OccurrenceRule {
  const ingest = VENDORS[vendor].sandboxIngest;
  const rule = ingest === null ? undefined : RULES_BY_INGEST[ingest];
  if (!rule) throw new Error(`no error-occurrence rule for ${vendor}'s sandbox ingest "${ingest}"`);
  return rule;
}

// `/api/errors` rows are a wire type, declared in shared/ for the harness and tests too.
export type { ErrorOccurrence } from '../shared/sandbox-api';

/** Finds a stored span, so the record on a service-entry span can represent its occurrence. */
export type SpanLookup = (vendor: SandboxVendor, traceId: string, spanId: string) => SpanRecord | null;

const LOG_ERROR_LEVELS = new Set(['warn', 'warning', 'error', 'fatal', 'critical', 'alert', 'emergency']);
const TYPE_KEYS = ['error.type', 'exception.type', 'error.kind'] as const;
const MESSAGE_KEYS = ['error.message', 'exception.message'] as const;

function firstText(bag: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const v = bag[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** A log line as an error record, when it carries an exception; null for every other line. */
export function exceptionOfLog(log: LogRecord): ErrorRecord | null {
  if (!LOG_ERROR_LEVELS.has(log.level.toLowerCase())) return null;
  const type = firstText(log.attributes, TYPE_KEYS);
  if (type === null) return null;
  return {
    vendor: log.vendor,
    type,
    message: firstText(log.attributes, MESSAGE_KEYS) ?? log.message,
    // CloudWatch keeps a stack only as text inside the line; its console shows no frames.
    frames: [],
    level: log.level,
    timestamp: log.timestamp,
    traceId: log.traceId,
    spanId: log.spanId,
    runId: log.runId,
    seq: log.seq,
    attributes: log.attributes,
    native: log.native ?? {},
    ...(log.release === undefined ? {} : { release: log.release }),
  };
}

function requestKey(r: ErrorRecord): string | null {
  if (r.runId !== null && r.seq !== null) return `run\u0000${r.runId}\u0000${r.seq}`;
  if (r.traceId) return `trace\u0000${r.traceId}`;
  return null;
}

/** A span whose parent is absent or belongs to another service: the segment, root span or service entry. */
function onServiceEntry(r: ErrorRecord, spanOf: SpanLookup | undefined): boolean {
  if (!spanOf || !r.traceId || !r.spanId) return false;
  const span = spanOf(r.vendor, r.traceId, r.spanId);
  if (!span) return false;
  const parent = span.parentId ? spanOf(r.vendor, r.traceId, span.parentId) : null;
  return !parent || parent.service !== span.service;
}

interface Group {
  /** Normalized view of each native record, oldest first. */
  views: ErrorRecord[];
  records: Array<ErrorRecord | LogRecord>;
  /** Arrival position of its newest record, within its source list. */
  newest: number;
}

/**
 * Applies each vendor's rule. Input lists are newest first (as the store lists them); log lines of vendors whose
 * errors live in logs are read for exceptions, other log lines are ignored. Output: newest occurrence first (by
 * its newest record's arrival; occurrences from logs are merged in by time).
 */
export function errorOccurrences(
  errors: readonly ErrorRecord[],
  logs: readonly LogRecord[] = [],
  options: { spanOf?: SpanLookup } = {},
): ErrorOccurrence[] {
  const fromErrors = group(
    errors.filter((e) => OCCURRENCE_RULES[e.vendor]?.source !== 'logs').map((e) => [e, e] as const),
  );
  const fromLogs = group(
    logs
      .filter((l) => OCCURRENCE_RULES[l.vendor]?.source === 'logs')
      .map((l) => [exceptionOfLog(l), l] as const)
      .filter((pair): pair is readonly [ErrorRecord, LogRecord] => pair[0] !== null),
  );
  return mergeNewestFirst(
    fromErrors.map((g) => occurrenceOf(g, options.spanOf)),
    fromLogs.map((g) => occurrenceOf(g, options.spanOf)),
  );
}

/** Groups (view, native record) pairs given newest first; returns groups newest first. */
function group(pairs: ReadonlyArray<readonly [ErrorRecord, ErrorRecord | LogRecord]>): Group[] {
  const groups = new Map<string, Group>();
  let unique = 0;
  // Oldest first, so each group's records read in arrival order.
  for (let i = pairs.length - 1, position = 0; i >= 0; i--, position++) {
    const [view, record] = pairs[i];
    const request = OCCURRENCE_RULES[view.vendor]?.grouping === 'per-request' ? requestKey(view) : null;
    const key =
      request === null
        ? `one\u0000${unique++}`
        : [view.vendor, request, view.type, view.message].join('\u0000');
    const existing = groups.get(key);
    if (existing) {
      existing.views.push(view);
      existing.records.push(record);
      existing.newest = position;
    } else groups.set(key, { views: [view], records: [record], newest: position });
  }
  return [...groups.values()].sort((a, b) => b.newest - a.newest);
}

/** Merges two newest-first lists by time, keeping each list's own order. */
function mergeNewestFirst(a: ErrorOccurrence[], b: ErrorOccurrence[]): ErrorOccurrence[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const latest = (o: ErrorOccurrence) => Math.max(...o.records.map((r) => r.timestamp));
  const out: ErrorOccurrence[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(latest(a[i]) >= latest(b[j]) ? a[i++] : b[j++]);
  return out.concat(a.slice(i), b.slice(j));
}

/** The lead record's release, else the first other record's: `{release}` or nothing, as on ErrorRecord. */
function releaseOf(lead: ErrorRecord, views: ErrorRecord[]): { release?: string } {
  const release = lead.release ?? views.find((v) => v.release !== undefined)?.release;
  return release === undefined ? {} : { release };
}

function occurrenceOf({ views, records }: Group, spanOf: SpanLookup | undefined): ErrorOccurrence {
  // The record on the service-entry span represents the occurrence (it carries the request's correlation and is
  // the one the consoles show); else the first to arrive.
  const lead = views.find((v) => onServiceEntry(v, spanOf)) ?? views[0];
  const withFrames = lead.frames.length > 0 ? lead : views.find((v) => v.frames.length > 0);
  return {
    vendor: lead.vendor,
    type: lead.type,
    message: lead.message,
    frames: withFrames?.frames ?? [],
    level: lead.level,
    timestamp: lead.timestamp,
    traceId: lead.traceId ?? views.find((v) => v.traceId)?.traceId ?? null,
    spanId: lead.spanId,
    runId: lead.runId ?? views.find((v) => v.runId !== null)?.runId ?? null,
    seq: lead.seq ?? views.find((v) => v.seq !== null)?.seq ?? null,
    attributes: lead.attributes,
    native: lead.native,
    ...releaseOf(lead, views),
    records,
    recordCount: records.length,
  };
}

/** What `listOccurrences` reads: the store's record lists and its spans. */
export interface OccurrenceSource {
  listErrors(filter: OccurrenceFilter): ErrorRecord[];
  listLogs(filter: OccurrenceFilter): LogRecord[];
  span: SpanLookup;
}

export interface OccurrenceFilter {
  vendor?: SandboxVendor;
  run?: string;
  traceId?: string;
  limit?: number;
}

/** `/api/errors`: occurrences matching the filter, newest first, at most `limit` of them. */
export function listOccurrences(source: OccurrenceSource, filter: OccurrenceFilter): ErrorOccurrence[] {
  const { limit, ...match } = filter;
  // Every record of the matching requests is needed to group them, so the limit applies to occurrences.
  const errors = source.listErrors(match);
  const logVendors = (Object.keys(OCCURRENCE_RULES) as SandboxVendor[]).filter(
    (v) => OCCURRENCE_RULES[v].source === 'logs' && (match.vendor === undefined || match.vendor === v),
  );
  const logs = logVendors.flatMap((vendor) => source.listLogs({ ...match, vendor }));
  const occurrences = errorOccurrences(errors, logs, {
    spanOf: (vendor, traceId, spanId) => source.span(vendor, traceId, spanId),
  });
  return limit === undefined ? occurrences : occurrences.slice(0, limit);
}
