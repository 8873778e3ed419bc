/**
 * Log queries (issue 14): filter log lines by vendor, run, level, field = value and text; every trace id a line
 * carries (`trace_id`, `xray_trace_id`, `dd.trace_id`, `sentry_trace_id`) is linked to each vendor holding that
 * trace; and `trace=<id>` finds a trace's lines whichever vendor shipped them (the CloudWatch line of an X-Ray
 * trace carries its `xray_trace_id`).
 */
import { type LogRecord, SANDBOX_VENDORS, type SandboxVendor } from '../model';
import type { SandboxStore } from '../store';
import { attributeMatcher } from './attribute-key';
import {
  decodeCursor,
  encodeCursor,
  intOf,
  keyValuesOf,
  type KeyValue,
  many,
  one,
  QueryError,
  type RawQuery,
  vendorOf,
} from './query-params';

/** The sandbox's log levels (ingest maps every vendor's words onto these). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LOGS_DEFAULT_LIMIT = 200;
export const LOGS_MAX_LIMIT = 1000;

/** Where the app and SDKs put trace ids on a log line: one key per tracing vendor (adapters' traceContext). */
export const LOG_TRACE_KEYS = ['trace_id', 'xray_trace_id', 'dd.trace_id', 'sentry_trace_id'] as const;

export interface LogQuery {
  vendor?: SandboxVendor;
  run?: string;
  levels: string[];
  fields: KeyValue[];
  /** Case-insensitive substring of the message. */
  text?: string;
  /** A trace id in any of the line's trace id fields. */
  trace?: string;
  limit: number;
  cursor?: LogCursor;
}

/** Rows already shown: the line's timestamp and how many lines at that timestamp were on earlier pages. */
export type LogCursor = [number, number];
const isCursor = (v: unknown): v is LogCursor =>
  Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && Number.isFinite(n));

export function parseLogQuery(query: RawQuery): LogQuery {
  const levels = many(query, 'level').flatMap((l) => l.split(',').map((x) => x.trim().toLowerCase()));
  for (const level of levels) {
    if (!(LOG_LEVELS as readonly string[]).includes(level))
      throw new QueryError(`level "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    vendor: vendorOf(query),
    run: one(query, 'run'),
    levels,
    fields: keyValuesOf(query, 'field'),
    text: one(query, 'text'),
    trace: one(query, 'trace'),
    limit: intOf(query, 'limit', 1, LOGS_MAX_LIMIT) ?? LOGS_DEFAULT_LIMIT,
    cursor: decodeCursor(query, isCursor),
  };
}

export interface TraceLink {
  /** The field the id was found in (`trace_id`, `xray_trace_id`, …, or `traceId`: the record's own). */
  key: string;
  id: string;
  /** Vendors that hold a trace of this id: each opens it. */
  vendors: SandboxVendor[];
}

export interface LogHit extends LogRecord {
  traceLinks: TraceLink[];
}

export interface LogPage {
  logs: LogHit[];
  total: number;
  nextCursor: string | null;
}

/** Every trace id on a line: the ones the app stamped per vendor, then the one the decoder chose. */
export function traceIdsOfLog(log: LogRecord): Array<{ key: string; id: string }> {
  const out: Array<{ key: string; id: string }> = [];
  for (const key of LOG_TRACE_KEYS) {
    const v = log.attributes[key];
    if ((typeof v === 'string' && v !== '') || typeof v === 'number') out.push({ key, id: String(v) });
  }
  if (log.traceId && !out.some((x) => x.id === log.traceId)) out.push({ key: 'traceId', id: log.traceId });
  return out;
}

export function searchLogs(store: SandboxStore, q: LogQuery): LogPage {
  const matchers = q.fields.map((f) => fieldMatcher(f));
  const text = q.text?.toLowerCase();
  const levels = q.levels.length ? new Set(q.levels) : null;
  const matched: LogRecord[] = [];
  for (const log of store.listLogs({ vendor: q.vendor, run: q.run })) {
    if (levels && !levels.has(String(log.level).toLowerCase())) continue;
    if (text !== undefined && !log.message.toLowerCase().includes(text)) continue;
    if (q.trace !== undefined && !traceIdsOfLog(log).some((t) => t.id === q.trace)) continue;
    if (!matchers.every((m) => m(log))) continue;
    matched.push(log);
  }
  // Newest first by the line's own time; arrival order (the store's) breaks ties, so pages are stable.
  matched.sort((a, b) => b.timestamp - a.timestamp);
  const start = q.cursor ? startAfter(matched, q.cursor) : 0;
  const page = matched.slice(start, start + q.limit);
  const last = page.at(-1);
  return {
    logs: page.map((log) => ({ ...log, traceLinks: linksOf(store, log) })),
    total: matched.length,
    nextCursor:
      last && start + page.length < matched.length
        ? encodeCursor(cursorAt(matched, start + page.length - 1))
        : null,
  };
}

/** `field=level=…`-style keys that are record fields rather than attributes, so `group=/bakeoff/users` works. */
const RECORD_FIELDS = ['level', 'group', 'stream', 'message', 'traceId', 'spanId', 'runId', 'seq'] as const;

function fieldMatcher(f: KeyValue): (log: LogRecord) => boolean {
  const inAttributes = attributeMatcher(f.key, f.value);
  const field = (RECORD_FIELDS as readonly string[]).includes(f.key) ? (f.key as keyof LogRecord) : null;
  return (log) => inAttributes(log) || (field !== null && String(log[field]) === f.value);
}

function cursorAt(sorted: LogRecord[], index: number): LogCursor {
  const t = sorted[index].timestamp;
  let same = 0;
  for (let i = index; i >= 0 && sorted[i].timestamp === t; i--) same++;
  return [t, same];
}

function startAfter(sorted: LogRecord[], [t, same]: LogCursor): number {
  let i = 0;
  while (i < sorted.length && sorted[i].timestamp > t) i++;
  return Math.min(sorted.length, i + same);
}

function linksOf(store: SandboxStore, log: LogRecord): TraceLink[] {
  return traceIdsOfLog(log).map(({ key, id }) => ({
    key,
    id,
    vendors: SANDBOX_VENDORS.filter((v) => store.hasTrace(v, id)),
  }));
}
