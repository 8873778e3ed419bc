/**
 * Trace search (issue 14): filter every vendor's traces by vendor, service, span/route name, errors, duration,
 * attribute = value, run and injected chaos; sort by time or duration; page with a cursor. A pure function
 * over the store's read API (`traceEntries`), so the same query answers the UI, the tests and the benchmark.
 */
import type { SandboxVendor, SpanRecord } from '../model';
import type { SandboxStore, TraceSummary } from '../store';
import { attributeMatcher } from './attribute-key';
import {
  choiceOf,
  decodeCursor,
  encodeCursor,
  flagOf,
  intOf,
  keyValuesOf,
  type KeyValue,
  numberOf,
  one,
  QueryError,
  type RawQuery,
  vendorOf,
} from './query-params';

export const SEARCH_SORTS = ['time', 'duration'] as const;
export const CHAOS_FILTERS = ['delay', 'fault', 'any'] as const;
export const SEARCH_DEFAULT_LIMIT = 50;
export const SEARCH_MAX_LIMIT = 200;

export interface TraceQuery {
  vendor?: SandboxVendor;
  service?: string;
  /** Case-insensitive substring of any span name, the route or a Datadog resource name. */
  name?: string;
  errors: boolean;
  minMs?: number;
  maxMs?: number;
  attrs: KeyValue[];
  run?: string;
  chaos?: (typeof CHAOS_FILTERS)[number];
  sort: (typeof SEARCH_SORTS)[number];
  limit: number;
  cursor?: SearchCursor;
}

/** The last row of the previous page: its sort value, then vendor and trace id to break ties. */
export type SearchCursor = [number, string, string];

const isCursor = (v: unknown): v is SearchCursor =>
  Array.isArray(v) &&
  v.length === 3 &&
  typeof v[0] === 'number' &&
  typeof v[1] === 'string' &&
  typeof v[2] === 'string';

/** Validates the query string; every bad value is a `QueryError` (400) naming the parameter. */
export function parseTraceQuery(query: RawQuery): TraceQuery {
  const minMs = numberOf(query, 'minMs');
  const maxMs = numberOf(query, 'maxMs');
  if (minMs !== undefined && maxMs !== undefined && minMs > maxMs)
    throw new QueryError(`minMs (${minMs}) is larger than maxMs (${maxMs})`);
  return {
    vendor: vendorOf(query),
    service: one(query, 'service'),
    name: one(query, 'name'),
    errors: flagOf(query, 'errors'),
    minMs,
    maxMs,
    attrs: keyValuesOf(query, 'attr'),
    run: one(query, 'run'),
    chaos: choiceOf(query, 'chaos', CHAOS_FILTERS),
    sort: choiceOf(query, 'sort', SEARCH_SORTS) ?? 'time',
    limit: intOf(query, 'limit', 1, SEARCH_MAX_LIMIT) ?? SEARCH_DEFAULT_LIMIT,
    cursor: decodeCursor(query, isCursor),
  };
}

/** What a result row shows: route, status, duration, span count and what chaos did to the request. */
export interface TraceHit {
  vendor: SandboxVendor;
  traceId: string;
  rootName: string;
  route: string;
  services: string[];
  error: boolean;
  httpStatus: number | null;
  durationMs: number;
  spanCount: number;
  startMs: number;
  runId: string | null;
  seq: number | null;
  chaos: { delayMs: number | null; fault: string | null };
}

export interface SearchPage {
  traces: TraceHit[];
  /** Traces matching the filters, on every page. */
  total: number;
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Per-trace facts the filters and rows need, computed once per version of a trace. */
export interface TraceFacts {
  route: string;
  httpStatus: number | null;
  delayMs: number | null;
  fault: string | null;
  /** Lower-case span names and Datadog resource names, for the name filter. */
  names: string[];
}

const ROUTE_KEYS = ['app.route', 'app_route', 'resource.name'] as const;
const HTTP_ROUTE_KEYS = ['http.route', 'http_route'] as const;
const METHOD_KEYS = ['http.request.method', 'http.method'] as const;
const STATUS_KEYS = [
  'http.response.status_code',
  'http.status_code',
  'http_status_code',
  'http.response.status',
] as const;
const DELAY_KEYS = ['chaos.delay_ms', 'chaos_delay_ms'] as const;
const FAULT_KEYS = ['chaos.fault', 'chaos_fault'] as const;

const first = (bag: Record<string, unknown>, keys: readonly string[]): unknown => {
  for (const k of keys) if (bag[k] !== undefined && bag[k] !== null && bag[k] !== '') return bag[k];
  return undefined;
};

function factsOf(summary: TraceSummary, spans: Iterable<SpanRecord>): TraceFacts {
  let root: SpanRecord | undefined;
  /** Per service, the first route the app stamped on one of its spans. */
  const appRoutes = new Map<string, unknown>();
  let delay: number | null = null;
  let fault: string | null = null;
  const names = new Set<string>();
  for (const s of spans) {
    if (s.spanId === summary.rootSpanId) root = s;
    names.add(s.name.toLowerCase());
    const resource = s.attributes['resource.name'];
    if (typeof resource === 'string') names.add(resource.toLowerCase());
    if (!appRoutes.has(s.service)) {
      const stamped = first(s.attributes, ROUTE_KEYS);
      if (stamped !== undefined) appRoutes.set(s.service, stamped);
    }
    const d = Number(first(s.attributes, DELAY_KEYS));
    if (Number.isFinite(d) && d > 0) delay = (delay ?? 0) + d;
    fault ??= (first(s.attributes, FAULT_KEYS) as string | undefined) ?? null;
  }
  const attrs = root?.attributes ?? {};
  // The root's own route first (it names the request), then one the app stamped on a span of the root's
  // service: the users service's `GET /api/users` further down the same trace does not name the request.
  const rootRoute = first(attrs, ROUTE_KEYS) ?? (root ? appRoutes.get(root.service) : undefined);
  const httpRoute = first(attrs, HTTP_ROUTE_KEYS);
  const method = first(attrs, METHOD_KEYS);
  const route =
    rootRoute !== undefined
      ? String(rootRoute)
      : httpRoute !== undefined
        ? `${method ? `${String(method)} ` : ''}${String(httpRoute)}`
        : summary.rootName;
  const status = Number(first(attrs, STATUS_KEYS));
  names.add(route.toLowerCase());
  return {
    route,
    httpStatus: Number.isInteger(status) ? status : null,
    delayMs: delay,
    fault: fault === null ? null : String(fault),
    names: [...names],
  };
}

/** Facts are cached per trace version: a new span or an eviction changes the count or the update time. */
const factsCache = new WeakMap<TraceSummary, TraceFacts>();
const versions = new Map<string, { spanCount: number; updatedAt: number; facts: TraceFacts }>();

/** A trace's route, HTTP status and injected chaos (cached until the trace changes; the other views use it too). */
export function cachedFacts(summary: TraceSummary, spans: Iterable<SpanRecord>): TraceFacts {
  const hit = factsCache.get(summary);
  if (hit) return hit;
  const key = `${summary.vendor}\u0000${summary.traceId}`;
  const known = versions.get(key);
  let facts: TraceFacts;
  if (known && known.spanCount === summary.spanCount && known.updatedAt === summary.updatedAt)
    facts = known.facts;
  else {
    facts = factsOf(summary, spans);
    versions.set(key, { spanCount: summary.spanCount, updatedAt: summary.updatedAt, facts });
  }
  factsCache.set(summary, facts);
  return facts;
}

/** Drops cached facts of traces the store no longer holds, once they outnumber the held ones. */
function pruneVersions(store: SandboxStore): void {
  if (versions.size <= store.size.traces * 2 + 1000) return;
  const held = new Set<string>();
  for (const { summary } of store.traceEntries()) held.add(`${summary.vendor}\u0000${summary.traceId}`);
  for (const key of versions.keys()) if (!held.has(key)) versions.delete(key);
}

function chaosMatches(filter: TraceQuery['chaos'], facts: TraceFacts): boolean {
  if (filter === 'delay') return facts.delayMs !== null;
  if (filter === 'fault') return facts.fault !== null;
  if (filter === 'any') return facts.delayMs !== null || facts.fault !== null;
  return true;
}

const sortValue = (hit: { startMs: number; durationMs: number }, sort: TraceQuery['sort']) =>
  sort === 'duration' ? hit.durationMs : hit.startMs;

/** Descending by the sort value, then vendor and trace id ascending: a total order, so cursors never skip. */
function compareKeys(a: SearchCursor, b: SearchCursor): number {
  return b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

export function searchTraces(store: SandboxStore, q: TraceQuery): SearchPage {
  const matchers = q.attrs.map((a) => attributeMatcher(a.key, a.value));
  const name = q.name?.toLowerCase();
  const matched: Array<{ key: SearchCursor; summary: TraceSummary; facts: TraceFacts }> = [];
  for (const { summary, spans } of store.traceEntries(q.vendor)) {
    if (q.run !== undefined && summary.runId !== q.run) continue;
    if (q.errors && !summary.error) continue;
    if (q.minMs !== undefined && summary.durationMs < q.minMs) continue;
    if (q.maxMs !== undefined && summary.durationMs > q.maxMs) continue;
    if (q.service !== undefined && !summary.services.includes(q.service)) continue;
    const facts = cachedFacts(summary, spans);
    if (name !== undefined && !facts.names.some((n) => n.includes(name))) continue;
    if (!chaosMatches(q.chaos, facts)) continue;
    if (!matchers.every((m) => someSpan(spans, m))) continue;
    matched.push({ key: [sortValue(summary, q.sort), summary.vendor, summary.traceId], summary, facts });
  }
  pruneVersions(store);
  const after = q.cursor;
  const rest = after ? matched.filter((m) => compareKeys(after, m.key) < 0) : matched;
  rest.sort((a, b) => compareKeys(a.key, b.key));
  const page = rest.slice(0, q.limit);
  const last = page.at(-1);
  return {
    traces: page.map(({ summary, facts }) => hitOf(summary, facts)),
    total: matched.length,
    nextCursor: last && rest.length > page.length ? encodeCursor(last.key) : null,
  };
}

function someSpan(spans: Iterable<SpanRecord>, match: ReturnType<typeof attributeMatcher>): boolean {
  for (const span of spans) if (match(span)) return true;
  return false;
}

function hitOf(summary: TraceSummary, facts: TraceFacts): TraceHit {
  return {
    vendor: summary.vendor,
    traceId: summary.traceId,
    rootName: summary.rootName,
    route: facts.route,
    services: summary.services,
    error: summary.error,
    httpStatus: facts.httpStatus,
    durationMs: summary.durationMs,
    spanCount: summary.spanCount,
    startMs: summary.startMs,
    runId: summary.runId,
    seq: summary.seq,
    chaos: { delayMs: facts.delayMs, fault: facts.fault },
  };
}
