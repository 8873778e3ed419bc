/**
 * Grouped errors (issue 14), as Sentry issues and Rollbar items group them: occurrences (error-occurrences.ts,
 * the one rule for counting) grouped by vendor + type + message fingerprint, with occurrence count, first/last
 * seen and affected routes; and one group's detail: the stack (innermost first, as the model keeps it), the
 * native fields the vendor keeps, and the request's trace in every vendor that has it.
 */
import { type ErrorOccurrence, listOccurrences, type OccurrenceSource } from '../error-occurrences';
import type { SandboxVendor, StackFrame } from '../model';
import type { TraceSummary } from '../store';
import { VENDOR_MANIFEST } from '../vendor-manifest';

export interface ErrorGroup {
  /** `<vendor>-<8 hex>`: stable for the same vendor, type and fingerprint, so a URL keeps pointing at it. */
  id: string;
  vendor: SandboxVendor;
  label: string;
  type: string;
  /** The message with its variable parts (numbers, ids, quoted values) replaced. */
  fingerprint: string;
  /** The newest occurrence's message. */
  message: string;
  occurrences: number;
  /** Native records behind those occurrences (X-Ray's cause on each subsegment, …). */
  records: number;
  firstSeen: number;
  lastSeen: number;
  /** Routes the occurrences came from, most frequent first. */
  routes: Array<{ route: string; count: number }>;
}

export interface OccurrenceRow {
  timestamp: number;
  message: string;
  route: string | null;
  traceId: string | null;
  runId: string | null;
  seq: number | null;
  recordCount: number;
}

export interface LinkedTrace {
  vendor: SandboxVendor;
  traceId: string;
  rootName: string;
  /** `occurrence`: the trace id the error itself carries; `request`: same run and seq in another vendor. */
  via: 'occurrence' | 'request';
}

export interface ErrorGroupDetail {
  group: ErrorGroup;
  /** The newest occurrence with a stack (else the newest). */
  latest: {
    timestamp: number;
    message: string;
    level: string;
    frames: StackFrame[];
    /** `exception.causes` as the vendor sent them, outermost first ("Type: message"). */
    causes: string[];
    /** The vendor's native bags, untouched (tags, request, breadcrumbs, contexts, user/person, meta, …). */
    native: Record<string, Record<string, unknown>>;
    attributes: Record<string, unknown>;
    runId: string | null;
    seq: number | null;
  };
  occurrences: OccurrenceRow[];
  traces: LinkedTrace[];
}

export interface GroupSource extends OccurrenceSource {
  listTraces(filter: { vendor?: SandboxVendor; run?: string; traceId?: string }): TraceSummary[];
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX = /\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi;
const QUOTED = /(["'`])(?:(?!\1).){1,200}\1/g;
const NUMBER = /\b\d+(?:\.\d+)?\b/g;

/** Variable parts out, as Sentry's and Rollbar's default fingerprints ignore them. */
export function fingerprintOf(message: string): string {
  return message
    .replace(UUID, '<uuid>')
    .replace(QUOTED, '$1…$1')
    .replace(HEX, '<hex>')
    .replace(NUMBER, '<n>')
    .trim();
}

/** FNV-1a, 32 bits: a short stable id, not a security boundary. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const groupIdOf = (vendor: SandboxVendor, type: string, fingerprint: string) =>
  `${vendor}-${hash(`${type}\u0000${fingerprint}`)}`;

const ROUTE_KEYS = ['app.route', 'app_route', 'resource.name', 'transaction', 'context'] as const;
const METHOD_KEYS = ['http.request.method', 'http.method'] as const;
const HTTP_ROUTE_KEYS = ['http.route', 'http_route'] as const;
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/** The route an occurrence came from, as its vendor recorded it; null when it recorded none. */
export function routeOf(o: ErrorOccurrence): string | null {
  const a = o.attributes;
  for (const key of ROUTE_KEYS) if (text(a[key])) return a[key] as string;
  const method = METHOD_KEYS.map((k) => text(a[k])).find(Boolean);
  const route = HTTP_ROUTE_KEYS.map((k) => text(a[k])).find(Boolean);
  // CloudWatch's access-log route already names the method (`POST /api/activities`).
  if (route) return method && !/^[A-Z]+ /.test(route) ? `${method} ${route}` : route;
  const request = o.native.request;
  const url = request && text(request.url);
  if (url) {
    let path = url;
    try {
      path = new URL(url, 'http://x').pathname;
    } catch {
      // keep the text as sent
    }
    return text(request.method) ? `${request.method as string} ${path}` : path;
  }
  return null;
}

const lastSeenOf = (o: ErrorOccurrence) => Math.max(o.timestamp, ...o.records.map((r) => r.timestamp));

interface Acc {
  group: ErrorGroup;
  members: ErrorOccurrence[];
  routes: Map<string, number>;
}

function groupAll(occurrences: ErrorOccurrence[]): Map<string, Acc> {
  const groups = new Map<string, Acc>();
  for (const o of occurrences) {
    const fingerprint = fingerprintOf(o.message);
    const id = groupIdOf(o.vendor, o.type, fingerprint);
    let acc = groups.get(id);
    const seen = lastSeenOf(o);
    if (!acc) {
      const label = VENDOR_MANIFEST.find((m) => m.vendor === o.vendor)?.label ?? o.vendor;
      acc = {
        group: {
          id,
          vendor: o.vendor,
          label,
          type: o.type,
          fingerprint,
          message: o.message,
          occurrences: 0,
          records: 0,
          firstSeen: o.timestamp,
          lastSeen: seen,
          routes: [],
        },
        members: [],
        routes: new Map(),
      };
      groups.set(id, acc);
    }
    const g = acc.group;
    g.occurrences++;
    g.records += o.recordCount;
    g.firstSeen = Math.min(g.firstSeen, o.timestamp);
    if (seen >= g.lastSeen) {
      g.lastSeen = seen;
      g.message = o.message;
    }
    acc.members.push(o);
    const route = routeOf(o);
    if (route) acc.routes.set(route, (acc.routes.get(route) ?? 0) + 1);
  }
  for (const acc of groups.values()) {
    acc.group.routes = [...acc.routes.entries()]
      .map(([route, count]) => ({ route, count }))
      .sort((a, b) => b.count - a.count || a.route.localeCompare(b.route));
  }
  return groups;
}

/** Every group, most recently seen first. */
export function errorGroups(
  source: OccurrenceSource,
  filter: { vendor?: SandboxVendor; run?: string },
): ErrorGroup[] {
  return [...groupAll(listOccurrences(source, filter)).values()]
    .map((acc) => acc.group)
    .sort((a, b) => b.lastSeen - a.lastSeen || a.id.localeCompare(b.id));
}

const MAX_ROWS = 100;

/** One group's detail, or null when no occurrence (in the run, if given) has that id. */
export function errorGroupDetail(source: GroupSource, id: string, run?: string): ErrorGroupDetail | null {
  // Vendor names may hold a hyphen (`xray-otel`): the hash is after the last one.
  const vendor = VENDOR_MANIFEST.find((m) => m.vendor === id.slice(0, id.lastIndexOf('-')))?.vendor;
  if (!vendor) return null;
  const acc = groupAll(listOccurrences(source, { vendor, run })).get(id);
  if (!acc) return null;
  // listOccurrences is newest first.
  const newest = acc.members[0];
  const lead = acc.members.find((o) => o.frames.length > 0) ?? newest;
  const causes = lead.attributes['exception.causes'];
  return {
    group: acc.group,
    latest: {
      timestamp: lead.timestamp,
      message: lead.message,
      level: lead.level,
      frames: lead.frames,
      causes: Array.isArray(causes) ? causes.map(String) : [],
      native: lead.native,
      attributes: lead.attributes,
      runId: lead.runId,
      seq: lead.seq,
    },
    occurrences: acc.members.slice(0, MAX_ROWS).map((o) => ({
      timestamp: o.timestamp,
      message: o.message,
      route: routeOf(o),
      traceId: o.traceId,
      runId: o.runId,
      seq: o.seq,
      recordCount: o.recordCount,
    })),
    traces: linkedTraces(source, newest),
  };
}

/** The occurrence's own trace, and the same request's trace in every other vendor that recorded it. */
function linkedTraces(source: GroupSource, o: ErrorOccurrence): LinkedTrace[] {
  const out: LinkedTrace[] = [];
  if (o.traceId) {
    const own = source.listTraces({ vendor: o.vendor, traceId: o.traceId })[0];
    if (own) out.push({ vendor: o.vendor, traceId: own.traceId, rootName: own.rootName, via: 'occurrence' });
  }
  if (o.runId !== null && o.seq !== null) {
    for (const t of source.listTraces({ run: o.runId })) {
      if (t.seq !== o.seq || out.some((l) => l.vendor === t.vendor && l.traceId === t.traceId)) continue;
      out.push({ vendor: t.vendor, traceId: t.traceId, rootName: t.rootName, via: 'request' });
    }
  }
  const order = (v: SandboxVendor) => VENDOR_MANIFEST.findIndex((m) => m.vendor === v);
  return out.sort(
    (a, b) => order(a.vendor) - order(b.vendor) || (a.via === b.via ? 0 : a.via === 'occurrence' ? -1 : 1),
  );
}
