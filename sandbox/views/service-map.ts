/**
 * Service map per vendor (issue 14): nodes for services and what they call (database, other services, queues,
 * HTTP hosts, AWS APIs), edges with call count, p50/p95 and error rate, drawn from one vendor's spans only and
 * laid out in layers left to right. A pure function over the store's read API (`traceEntries`).
 */
import type { SandboxVendor, SpanRecord } from '../model';
import type { TraceSummary } from '../store';
import { VENDOR_MANIFEST } from '../vendor-manifest';
import {
  CLIENT_REF,
  dependencyOf,
  isOutbound,
  isQueueConsumer,
  type NodeKind,
  type NodeRef,
  queueRefOf,
  serviceRef,
} from './dependency';
import { durationStats, type DurationStats } from './duration-stats';

export interface MapNode extends NodeRef {
  /** Column, from 0 (the client) rightwards: the longest chain of calls that reaches the node. */
  layer: number;
  /** Position within its column, from the top. */
  row: number;
}

export interface MapEdge {
  from: string;
  to: string;
  /** Measured on the caller's span (the client/producer span), else on the callee's entry span. */
  stats: Pick<DurationStats, 'count' | 'p50' | 'p95' | 'errorRate'>;
}

export interface ServiceMap {
  vendor: SandboxVendor;
  label: string;
  /** False when the vendor's data cannot show calls; `reason` then says why. */
  supported: boolean;
  reason: string | null;
  traces: number;
  nodes: MapNode[];
  edges: MapEdge[];
}

/** What the map reads: the store's trace scan. */
export interface TraceSource {
  traceEntries(vendor?: SandboxVendor): Iterable<{ summary: TraceSummary; spans: Iterable<SpanRecord> }>;
}

interface EdgeAcc {
  from: NodeRef;
  to: NodeRef;
  durations: number[];
  errors: number;
}

/** The caller's side, and every outbound span nested in it (an app's `users.lookup` wrapping the HTTP call). */
function nestedOutbound(span: SpanRecord, children: Map<string, SpanRecord[]>): SpanRecord[] {
  const out = [span];
  for (let i = 0; i < out.length && out.length < 16; i++) {
    for (const child of children.get(out[i].spanId) ?? []) {
      if (isOutbound(child) && child.service === span.service) out.push(child);
    }
  }
  return out;
}

/** The first span below `span` in another service: where the call landed, when that service reports too. */
function landedIn(span: SpanRecord, children: Map<string, SpanRecord[]>, caller: string): string | null {
  const queue = [span];
  for (let i = 0; i < queue.length && i < 64; i++) {
    for (const child of children.get(queue[i].spanId) ?? []) {
      if (child.service !== caller) return child.service;
      if (isOutbound(child)) queue.push(child);
    }
  }
  return null;
}

/** One call in a trace: who called what, how long it took, whether it failed. */
interface Call {
  from: NodeRef;
  to: NodeRef;
  durationMs: number;
  error: boolean;
}

/** The calls in one trace. */
function callsIn(spans: SpanRecord[]): Call[] {
  const byId = new Map<string, SpanRecord>();
  const children = new Map<string, SpanRecord[]>();
  for (const s of spans) byId.set(s.spanId, s);
  for (const s of spans) {
    if (!s.parentId || !byId.has(s.parentId)) continue;
    const list = children.get(s.parentId);
    if (list) list.push(s);
    else children.set(s.parentId, [s]);
  }
  const calls: Call[] = [];
  const add = (from: NodeRef, to: NodeRef, span: SpanRecord) => {
    if (span.inProgress) return; // its duration is unknown
    calls.push({ from, to, durationMs: span.durationMs, error: span.status === 'error' });
  };
  for (const span of spans) {
    const parent = span.parentId ? byId.get(span.parentId) : undefined;
    if (isOutbound(span)) {
      // Counted once, on the outermost outbound span of a nested chain.
      if (parent && isOutbound(parent) && parent.service === span.service) continue;
      const caller = parent?.service ?? span.service;
      const dependency = dependencyOf(nestedOutbound(span, children), caller);
      // A message goes to the queue, whoever consumes it; any other call lands in the service below it.
      const landed = dependency.kind === 'queue' ? null : landedIn(span, children, caller);
      add(serviceRef(caller), landed ? serviceRef(landed) : dependency, span);
    } else if (isQueueConsumer(span)) {
      add(queueRefOf(span), serviceRef(span.service), span);
    } else if (span.parentId === null) {
      add(CLIENT_REF, serviceRef(span.service), span);
    } else if (parent && parent.service !== span.service) {
      if (!isOutbound(parent)) {
        // A call whose caller sent no client span (only the context): measured on the callee.
        add(serviceRef(parent.service), serviceRef(span.service), span);
      } else {
        // A consumer the producer's context reached (X-Ray's AWSTraceHeader): it reads from the queue.
        const queue = dependencyOf([parent], parent.service);
        if (queue.kind === 'queue') add(queue, serviceRef(span.service), span);
      }
    }
  }
  return calls;
}

/**
 * A trace's calls, computed once per version of the trace: the store replaces a trace's summary whenever a span
 * arrives or leaves, so the summary object keys the cache.
 */
const callsCache = new WeakMap<TraceSummary, Call[]>();

function cachedCalls(summary: TraceSummary, spans: Iterable<SpanRecord>): Call[] {
  let calls = callsCache.get(summary);
  if (!calls) {
    calls = callsIn([...spans]);
    callsCache.set(summary, calls);
  }
  return calls;
}

const KIND_ORDER: Record<NodeKind, number> = {
  client: 0,
  service: 1,
  queue: 2,
  database: 3,
  aws: 4,
  http: 5,
  other: 6,
};

/** Longest-path layers from the sources (a call cycle stops growing after one pass per node), rows by kind, name. */
function layout(refs: Map<string, NodeRef>, edges: MapEdge[]): MapNode[] {
  const layer = new Map<string, number>([...refs.keys()].map((id) => [id, 0]));
  for (let pass = 0; pass < refs.size; pass++) {
    let changed = false;
    for (const e of edges) {
      if (e.from === e.to) continue;
      const next = layer.get(e.from)! + 1;
      if (next > layer.get(e.to)!) {
        layer.set(e.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const nodes = [...refs.values()]
    .map((ref) => ({ ...ref, layer: layer.get(ref.id)!, row: 0 }))
    .sort(
      (a, b) =>
        a.layer - b.layer || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.label.localeCompare(b.label),
    );
  const rows = new Map<number, number>();
  for (const n of nodes) {
    n.row = rows.get(n.layer) ?? 0;
    rows.set(n.layer, n.row + 1);
  }
  return nodes;
}

function unsupportedReason(vendor: SandboxVendor): string | null {
  const manifest = VENDOR_MANIFEST.find((m) => m.vendor === vendor);
  if (!manifest || manifest.signals.includes('traces')) return null;
  return (
    `${manifest.label} receives ${manifest.signals.join(' and ')} only: no spans, so nothing records which ` +
    'service called what. Its data cannot draw a service map.'
  );
}

export function serviceMap(source: TraceSource, vendor: SandboxVendor, run?: string): ServiceMap {
  const label = VENDOR_MANIFEST.find((m) => m.vendor === vendor)?.label ?? vendor;
  const accs = new Map<string, EdgeAcc>();
  let traces = 0;
  for (const { summary, spans } of source.traceEntries(vendor)) {
    if (run !== undefined && summary.runId !== run) continue;
    traces++;
    for (const call of cachedCalls(summary, spans)) {
      const key = `${call.from.id}\u0000${call.to.id}`;
      let acc = accs.get(key);
      if (!acc) accs.set(key, (acc = { from: call.from, to: call.to, durations: [], errors: 0 }));
      acc.durations.push(call.durationMs);
      if (call.error) acc.errors++;
    }
  }
  const reason = unsupportedReason(vendor);
  const refs = new Map<string, NodeRef>();
  const edges: MapEdge[] = [];
  for (const acc of accs.values()) {
    refs.set(acc.from.id, acc.from);
    // A service also named as a dependency (peer.service) stays a service node.
    if (!refs.has(acc.to.id) || acc.to.kind === 'service') refs.set(acc.to.id, acc.to);
    const { count, p50, p95, errorRate } = durationStats(acc.durations, acc.errors);
    edges.push({ from: acc.from.id, to: acc.to.id, stats: { count, p50, p95, errorRate } });
  }
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return {
    vendor,
    label,
    supported: reason === null,
    reason: reason ?? (traces === 0 ? `No ${label} spans${run ? ` in run ${run}` : ''} yet.` : null),
    traces,
    nodes: layout(refs, edges),
    edges,
  };
}

/**
 * The vendors a side-by-side map (and latency board) shows: every vendor with spans in scope, plus those that
 * cannot show spans, so they say why.
 */
export function vendorsToShow(source: TraceSource, run?: string): SandboxVendor[] {
  const seen = new Set<SandboxVendor>();
  for (const { summary } of source.traceEntries()) {
    if (run === undefined || summary.runId === run) seen.add(summary.vendor);
  }
  return VENDOR_MANIFEST.filter(
    (m) => seen.has(m.vendor) || (m.vendor !== 'otlp' && !m.signals.includes('traces')),
  ).map((m) => m.vendor);
}
