/**
 * The sandbox store: every ingest decoder hands it normalized records (it is the `IngestSink`), and the JSON
 * API, the UI and the compare report query it. Memory is bounded (oldest records evicted first), but the
 * per-vendor counters keep counting everything ever received, so `/api/vendors` stays true after eviction.
 */
import { compactSpan, expandSpan } from './compact-span';
import { type Correlation, correlationOf } from './correlation';
import { errorOccurrences } from './error-occurrences';
import {
  type ErrorRecord,
  type IngestBatch,
  type IngestSink,
  type LogRecord,
  type PayloadMeta,
  type PayloadRecord,
  SANDBOX_VENDORS,
  type SandboxVendor,
  type SpanRecord,
} from './model';
import { DEFAULT_VALUE_LIMITS, RecordSanitizer } from './sanitize';
import { SpanColumns } from './span-columns';
import type { TraceSummary } from '../shared/sandbox-api';

/**
 * Memory caps. When a record cap is reached the oldest record of that kind is evicted (FIFO); when the byte
 * budget is reached the oldest span, error or log, whichever arrived first, is evicted until it fits.
 */
export interface SandboxCaps {
  /** Spans kept in memory. Default 200 000. */
  maxSpans: number;
  /** Error events kept. Default 20 000. */
  maxErrors: number;
  /** Log lines kept. Default 100 000. */
  maxLogs: number;
  /** Per-request payload accounting records kept. Default 100 000. */
  maxPayloads: number;
  /**
   * Byte budget for spans, errors and logs together, counted as their serialized size (an upper bound of their
   * JSON, sanitize.ts). Default 256 MiB; with it full the sandbox measured ~500 MB RSS (docs/performance.md,
   * "The sandbox under load and hostile input").
   */
  maxBytes: number;
  /** Longest string value kept; longer ones are truncated with a marker giving the original size. Default 64 KiB. */
  maxValueBytes: number;
}

export const DEFAULT_CAPS: Readonly<SandboxCaps> = Object.freeze({
  maxSpans: 200_000,
  maxErrors: 20_000,
  maxLogs: 100_000,
  maxPayloads: 100_000,
  maxBytes: 256 * 1024 * 1024,
  maxValueBytes: DEFAULT_VALUE_LIMITS.maxValueBytes,
});

/** A per-value limit below this could not even hold its own truncation marker. */
const MIN_VALUE_BYTES = 256;

/**
 * One line of the sandbox's NDJSON format (persistence file, `/api/export`, `/api/import`). A line written
 * for an accepted request carries its payload record; export lines carry either a payload or records.
 */
export interface SandboxLine {
  vendor: SandboxVendor;
  payload: PayloadRecord | null;
  /** When the records arrived (epoch ms), for lines without a payload (export); default: the payload's time. */
  receivedAt?: number;
  spans: SpanRecord[];
  errors: ErrorRecord[];
  logs: LogRecord[];
}

/** Where accepted data is written so a restart loses nothing (see persist.ts). */
export interface Journal {
  /** Writes every line or none (throws, leaving the journal as it was). */
  append(lines: SandboxLine[]): void;
  clear(): void;
}

/** A line bounded and measured by `SandboxStore.prepare`, ready to be committed. */
export interface PreparedLine {
  line: SandboxLine;
  /** Serialized size of each span, error and log, in the line's order. */
  bytes: { spans: number[]; errors: number[]; logs: number[] };
}

// `/api/traces` rows are a wire type, declared in shared/ for the harness and tests too.
export type { TraceSummary } from '../shared/sandbox-api';

export interface VendorCounts {
  vendor: SandboxVendor;
  payloads: number;
  bytes: number;
  spans: number;
  errors: number;
  logs: number;
}

export type StoreEvent =
  { type: 'data'; vendor: SandboxVendor; spans: number; errors: number; logs: number } | { type: 'clear' };

export interface RecordFilter {
  vendor?: SandboxVendor;
  run?: string;
  traceId?: string;
  limit?: number;
}

/** A span as the side-by-side view draws it: offsets relative to the request's first span. */
export interface SpanGlance {
  spanId: string;
  parentId: string | null;
  name: string;
  service: string;
  offsetMs: number;
  durationMs: number;
  depth: number;
  status: SpanRecord['status'];
  chaos: boolean;
  /** Set when only an in-progress version arrived (its duration is unknown). */
  inProgress?: boolean;
}

/** What one vendor received for one request (one seq of a run). */
export interface VendorRequestView {
  traceIds: string[];
  rootName: string | null;
  spanCount: number;
  durationMs: number | null;
  error: boolean;
  /** One per error occurrence (error-occurrences.ts), with how many native records the vendor sent for it. */
  errors: Array<{ type: string; message: string; traceId: string | null; recordCount: number }>;
  logs: number;
  logSamples: Array<{ level: string; message: string }>;
  spans: SpanGlance[];
}

export interface RunRequests {
  runId: string;
  vendors: SandboxVendor[];
  /** Every seq seen in the run, ascending (also when `requests` is narrowed to one seq). */
  seqs: number[];
  requests: Array<{ seq: number; vendors: Partial<Record<SandboxVendor, VendorRequestView>> }>;
}

export interface RunSummary {
  runId: string;
  vendors: SandboxVendor[];
  requests: number;
  firstSeen: number;
  lastSeen: number;
}

export interface SandboxStoreOptions {
  caps?: Partial<SandboxCaps>;
  /** Receives every accepted line; unset → memory only. */
  journal?: Journal;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** The side-by-side view shows at most this many spans per vendor and request. */
const GLANCE_SPANS = 100;
const LOG_SAMPLES = 5;

/**
 * A FIFO array with O(1) amortised eviction from the front. Each item carries its byte size and arrival order,
 * so the store can evict across kinds by age when the byte budget is full.
 */
class BoundedQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private orders: number[] = [];
  private head = 0;
  constructor(private readonly cap: number) {}

  /** @returns the bytes of the item the cap pushed out, or 0. */
  push(item: T, bytes = 0, order = 0): number {
    this.items.push(item);
    this.sizes.push(bytes);
    this.orders.push(order);
    return this.size > this.cap ? this.shift() : 0;
  }
  /** Drops the oldest item; @returns its bytes. */
  shift(): number {
    const bytes = this.sizes[this.head];
    this.head++;
    // Compact once the dead prefix dominates, so memory stays proportional to the cap.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.orders = this.orders.slice(this.head);
      this.head = 0;
    }
    return bytes;
  }
  get oldest(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined;
  }
  /** Arrival order of the oldest item; Infinity when empty. */
  get oldestOrder(): number {
    return this.size > 0 ? this.orders[this.head] : Number.POSITIVE_INFINITY;
  }
  get size(): number {
    return this.items.length - this.head;
  }
  /** Oldest first. */
  *values(): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i];
  }
  /** Newest first. */
  *newest(): IterableIterator<T> {
    for (let i = this.items.length - 1; i >= this.head; i--) yield this.items[i];
  }
  clear(): void {
    this.items = [];
    this.sizes = [];
    this.orders = [];
    this.head = 0;
  }
}

interface TraceEntry {
  vendor: SandboxVendor;
  traceId: string;
  /** Its key in `SandboxStore.traces`, made once per trace rather than on every eviction. */
  key: string;
  /**
   * Span id → the span's seq in the store's span columns. Eviction does not delete here (a seq below the
   * columns' first is gone): the entry goes whole when its last span does, and is pruned once it holds more
   * evicted ids than live ones, so evicting a span costs no map update.
   */
  spans: Map<string, number>;
  /** How many of `spans` are held. */
  live: number;
  receivedAt: number;
  updatedAt: number;
  summary: TraceSummary | null;
}

/** The record as the line's vendor's: copied only when a decoder or import left another vendor on it. */
const ofVendor = <T extends { vendor: SandboxVendor }>(record: T, vendor: SandboxVendor): T =>
  record.vendor === vendor ? record : { ...record, vendor };

const traceKey = (vendor: string, traceId: string) => `${vendor}\u0000${traceId}`;

const zeroCounts = (vendor: SandboxVendor): VendorCounts => ({
  vendor,
  payloads: 0,
  bytes: 0,
  spans: 0,
  errors: 0,
  logs: 0,
});

/**
 * Later record wins; attribute bags are merged so a partial X-Ray segment's keys survive the full one. A
 * completed span always wins over an in-progress copy, whichever arrived last (UDP reorders X-Ray datagrams).
 */
function mergeSpan(older: SpanRecord, newer: SpanRecord): SpanRecord {
  const [base, top] = newer.inProgress && !older.inProgress ? [newer, older] : [older, newer];
  const native: Record<string, Record<string, unknown>> = { ...base.native };
  for (const [bag, values] of Object.entries(top.native)) native[bag] = { ...native[bag], ...values };
  const merged = { ...base, ...top, attributes: { ...base.attributes, ...top.attributes }, native };
  if (!top.inProgress) delete merged.inProgress;
  return merged;
}

/** Depth-first order with children by start time; spans whose parent is absent are roots. */
export function orderSpans(spans: SpanRecord[]): Array<{ span: SpanRecord; depth: number }> {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, SpanRecord[]>();
  for (const s of spans) {
    const parent = s.parentId && ids.has(s.parentId) && s.parentId !== s.spanId ? s.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.startMs - b.startMs);
  const out: Array<{ span: SpanRecord; depth: number }> = [];
  const seen = new Set<string>();
  // An explicit stack, not recursion: a chain of 200 000 spans must not overflow the call stack.
  const stack = (children.get(null) ?? []).map((span) => ({ span, depth: 0 })).reverse();
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next.span.spanId)) continue; // guards against parent cycles in malformed input
    seen.add(next.span.spanId);
    out.push(next);
    const kids = children.get(next.span.spanId) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: next.depth + 1 });
  }
  // Spans caught in a cycle have no root; list them flat rather than drop them.
  for (const s of spans) if (!seen.has(s.spanId)) out.push({ span: s, depth: 0 });
  return out;
}

export function summarize(entry: {
  vendor: SandboxVendor;
  traceId: string;
  spans: Iterable<SpanRecord>;
  receivedAt: number;
  updatedAt: number;
}): TraceSummary {
  const spans = [...entry.spans];
  const ids = new Set(spans.map((s) => s.spanId));
  let root: SpanRecord | null = null;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let error = false;
  for (const s of spans) {
    const isRoot = !s.parentId || !ids.has(s.parentId);
    if (isRoot && (!root || s.startMs < root.startMs)) root = s;
    start = Math.min(start, s.startMs);
    end = Math.max(end, s.startMs + s.durationMs);
    if (s.status === 'error') error = true;
  }
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  root ??= byStart[0];
  const services = [...new Set(byStart.map((s) => s.service).filter(Boolean))];
  // Flattened attributes should hold the keys, but native bags are checked too in case a decoder kept them apart.
  const bags = (s: SpanRecord | null) => (s ? [s.attributes, ...Object.values(s.native ?? {})] : []);
  // The root's keys first, then the other spans' in start order until both are found. One bag at a time: a
  // spread of every span's bags overflows the call stack on a 150 000-span trace.
  let corr: Correlation = correlationOf(...bags(root));
  for (const s of byStart) {
    if (corr.runId !== null && corr.seq !== null) break;
    if (s === root) continue;
    const more = correlationOf(...bags(s));
    corr = { runId: corr.runId ?? more.runId, seq: corr.seq ?? more.seq };
  }
  return {
    vendor: entry.vendor,
    traceId: entry.traceId,
    rootName: root?.name ?? '',
    rootSpanId: root?.spanId ?? '',
    services,
    spanCount: spans.length,
    startMs: spans.length ? start : 0,
    durationMs: spans.length ? Math.max(0, end - start) : 0,
    error,
    runId: corr.runId,
    seq: corr.seq,
    // The root's; Datadog tags only service-entry spans with `version`, so else the earliest span's that has one.
    release: root?.release ?? byStart.find((s) => s.release !== undefined)?.release ?? null,
    receivedAt: entry.receivedAt,
    updatedAt: entry.updatedAt,
  };
}

export class SandboxStore implements IngestSink {
  readonly caps: Readonly<SandboxCaps>;
  private readonly journal: Journal | undefined;
  private readonly now: () => number;
  private readonly sanitizer: RecordSanitizer;
  private readonly traces = new Map<string, TraceEntry>();
  /**
   * Every span held, oldest first: insertion order = eviction order (an update keeps its place). receivedAt is
   * kept so an export/import keeps time-to-visible true. Found by trace then span id (TraceEntry.spans): no
   * per-span key string, no store-wide map of 200 000 entries and no per-span bookkeeping object.
   */
  private readonly spanOrder = new SpanColumns<SpanRecord, TraceEntry>();
  private errorQueue: BoundedQueue<ErrorRecord>;
  private logQueue: BoundedQueue<LogRecord>;
  private payloadQueue: BoundedQueue<PayloadRecord>;
  private readonly counts = new Map<SandboxVendor, VendorCounts>();
  private readonly subscribers = new Set<(event: StoreEvent) => void>();
  /** Serialized size of every span, error and log held, against `caps.maxBytes`. */
  private bytes = 0;
  /** Arrival counter: which record is oldest across kinds, for byte-budget eviction. */
  private arrivals = 0;

  constructor(options: SandboxStoreOptions = {}) {
    const caps = { ...DEFAULT_CAPS, ...options.caps };
    for (const [name, value] of Object.entries(caps)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
    }
    if (caps.maxValueBytes < MIN_VALUE_BYTES)
      throw new RangeError(`maxValueBytes must be at least ${MIN_VALUE_BYTES}`);
    this.caps = Object.freeze(caps);
    this.sanitizer = new RecordSanitizer({ ...DEFAULT_VALUE_LIMITS, maxValueBytes: caps.maxValueBytes });
    this.journal = options.journal;
    this.now = options.now ?? Date.now;
    this.errorQueue = new BoundedQueue(caps.maxErrors);
    this.logQueue = new BoundedQueue(caps.maxLogs);
    this.payloadQueue = new BoundedQueue(caps.maxPayloads);
  }

  /** IngestSink: one request's worth of decoded records. */
  accept(vendor: SandboxVendor, meta: PayloadMeta, batch: IngestBatch): void {
    const payload: PayloadRecord = {
      vendor,
      route: meta.route,
      bytes: meta.bytes,
      receivedAt: this.now(),
      contentType: meta.contentType,
      spans: batch.spans.length,
      errors: batch.errors.length,
      logs: batch.logs.length,
    };
    this.ingest([{ vendor, payload, spans: batch.spans, errors: batch.errors, logs: batch.logs }], true);
  }

  /** Lines from the persistence file: stored, not written back. */
  replay(lines: Iterable<SandboxLine>): void {
    this.ingest(lines, false);
  }

  /**
   * Bounds and measures one line without storing it: credentials redacted, long values truncated, deep values
   * cut (sanitize.ts). Streaming import prepares line by line as the body arrives, then commits once.
   */
  prepare(raw: SandboxLine): PreparedLine {
    const bytes: PreparedLine['bytes'] = { spans: [], errors: [], logs: [] };
    const bound = <T extends object>(records: T[], sizes: number[]): T[] =>
      records.map((r) => {
        const { record, bytes: size } = this.sanitizer.sanitize(r);
        sizes.push(size);
        return record;
      });
    const line: SandboxLine = {
      vendor: raw.vendor,
      payload: raw.payload && this.sanitizer.sanitize(raw.payload).record,
      ...(raw.receivedAt === undefined ? {} : { receivedAt: raw.receivedAt }),
      spans: bound(raw.spans, bytes.spans),
      errors: bound(raw.errors, bytes.errors),
      logs: bound(raw.logs, bytes.logs),
    };
    return { line, bytes };
  }

  /**
   * Stores prepared lines, all or nothing: the journal is written first (every line or none), so a failure
   * there leaves memory untouched and the ingest answers an error with nothing half-kept.
   */
  commit(prepared: PreparedLine[], journal = true): void {
    if (journal && this.journal && prepared.length > 0) this.journal.append(prepared.map((p) => p.line));
    for (const p of prepared) this.applyPrepared(p);
  }

  /**
   * `commit` for a large import: journaled at once (all or nothing, as above), then applied to memory in
   * slices, awaiting `pause()` between them so the API keeps answering while 200 000 spans go in.
   */
  async commitInSlices(prepared: PreparedLine[], pause: () => Promise<void>, sliceMs = 20): Promise<void> {
    if (this.journal && prepared.length > 0) this.journal.append(prepared.map((p) => p.line));
    let sliceStart = performance.now();
    for (const p of prepared) {
      this.applyPrepared(p);
      if (performance.now() - sliceStart > sliceMs) {
        await pause();
        sliceStart = performance.now();
      }
    }
  }

  private applyPrepared(p: PreparedLine): void {
    this.applyLine(p);
    const { vendor, spans, errors, logs } = p.line;
    this.emit({ type: 'data', vendor, spans: spans.length, errors: errors.length, logs: logs.length });
  }

  private ingest(lines: Iterable<SandboxLine>, journal: boolean): void {
    const prepared: PreparedLine[] = [];
    for (const line of lines) prepared.push(this.prepare(line));
    this.commit(prepared, journal);
  }

  private countsOf(vendor: SandboxVendor): VendorCounts {
    let c = this.counts.get(vendor);
    if (!c) {
      c = zeroCounts(vendor);
      this.counts.set(vendor, c);
    }
    return c;
  }

  private applyLine({ line, bytes }: PreparedLine): void {
    const counts = this.countsOf(line.vendor);
    const receivedAt = line.payload?.receivedAt ?? line.receivedAt ?? this.now();
    if (line.payload) {
      counts.payloads++;
      counts.bytes += line.payload.bytes;
      this.payloadQueue.push(line.payload);
    }
    // Spans of one trace mostly arrive together: the entry found for one span is tried first for the next.
    let entry: TraceEntry | undefined;
    for (let i = 0; i < line.spans.length; i++) {
      const span = ofVendor(line.spans[i], line.vendor);
      if (entry === undefined || entry.traceId !== span.traceId) entry = this.traceEntry(span, receivedAt);
      if (this.upsertSpan(entry, span, receivedAt, bytes.spans[i])) counts.spans++;
      // Eviction may have dropped the entry (a trace longer than the span cap): look it up again next time.
      if (entry.live === 0) entry = undefined;
    }
    line.errors.forEach((error, i) => {
      this.bytes += bytes.errors[i];
      this.bytes -= this.errorQueue.push(ofVendor(error, line.vendor), bytes.errors[i], this.arrivals++);
      counts.errors++;
    });
    line.logs.forEach((log, i) => {
      this.bytes += bytes.logs[i];
      this.bytes -= this.logQueue.push(ofVendor(log, line.vendor), bytes.logs[i], this.arrivals++);
      counts.logs++;
    });
    this.enforceByteBudget();
  }

  /** Evicts the oldest span, error or log, whichever arrived first, until the held bytes fit the budget. */
  private enforceByteBudget(): void {
    while (this.bytes > this.caps.maxBytes) {
      const spanOrder = this.spanOrder.oldestOrder;
      const errorOrder = this.errorQueue.oldestOrder;
      const logOrder = this.logQueue.oldestOrder;
      const oldest = Math.min(spanOrder, errorOrder, logOrder);
      if (oldest === Number.POSITIVE_INFINITY) break;
      if (oldest === spanOrder) this.evictOldestSpan();
      else if (oldest === errorOrder) this.bytes -= this.errorQueue.shift();
      else this.bytes -= this.logQueue.shift();
    }
  }

  /** The entry of the span's trace, made when it is the trace's first span. */
  private traceEntry(span: SpanRecord, receivedAt: number): TraceEntry {
    const key = traceKey(span.vendor, span.traceId);
    let entry = this.traces.get(key);
    if (!entry) {
      entry = {
        vendor: span.vendor,
        traceId: span.traceId,
        key,
        spans: new Map(),
        live: 0,
        receivedAt,
        updatedAt: receivedAt,
        summary: null,
      };
      this.traces.set(key, entry);
    }
    return entry;
  }

  /** @returns true when the span is new (not an update of one already stored). */
  private upsertSpan(entry: TraceEntry, span: SpanRecord, receivedAt: number, bytes: number): boolean {
    entry.updatedAt = Math.max(entry.updatedAt, receivedAt);
    entry.summary = null;
    const existing = entry.spans.get(span.spanId);
    if (existing !== undefined && this.isHeld(existing)) {
      // A merge keeps the keys of both versions, so it is bounded and measured again as one record. The span
      // keeps its place in the eviction order.
      const merged = this.sanitizer.sanitize(mergeSpan(this.spanAt(existing, false), span));
      this.bytes += merged.bytes - this.spanOrder.bytes(existing);
      this.spanOrder.replace(existing, merged.record, merged.bytes, receivedAt);
      return false;
    }
    this.bytes += bytes;
    const compact = compactSpan(span);
    const seq = this.spanOrder.push(
      compact ?? span,
      entry,
      bytes,
      receivedAt,
      this.arrivals++,
      compact !== null,
    );
    entry.spans.set(span.spanId, seq);
    entry.live++;
    while (this.spanOrder.size > this.caps.maxSpans) this.evictOldestSpan();
    return true;
  }

  private evictOldestSpan(): void {
    const trace = this.spanOrder.oldestTrace!;
    this.bytes -= this.spanOrder.oldestBytes;
    this.spanOrder.shift();
    trace.live--;
    trace.summary = null;
    if (trace.live === 0) this.traces.delete(trace.key);
    else if (trace.spans.size > 2 * trace.live) {
      for (const [spanId, seq] of trace.spans) if (!this.isHeld(seq)) trace.spans.delete(spanId);
    }
  }

  /** Forget everything, including the counters and the journal. */
  clear(): void {
    this.spanOrder.clear();
    this.traces.clear();
    this.errorQueue.clear();
    this.logQueue.clear();
    this.payloadQueue.clear();
    this.counts.clear();
    this.bytes = 0;
    this.journal?.clear();
    this.emit({ type: 'clear' });
  }

  /** @returns a function that unsubscribes. A throwing subscriber is dropped, never breaks ingest. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.subscribers) {
      try {
        listener(event);
      } catch {
        this.subscribers.delete(listener);
      }
    }
  }

  // ---- queries -------------------------------------------------------------------------------------------

  /** Every vendor in `SANDBOX_VENDORS` order, zeros for those that received nothing (stable UI tabs). */
  vendors(): VendorCounts[] {
    return SANDBOX_VENDORS.map((v) => ({ ...(this.counts.get(v) ?? zeroCounts(v)) }));
  }

  /** Records held, and `bytes`: their serialized size, which `caps.maxBytes` bounds. */
  get size(): {
    spans: number;
    traces: number;
    errors: number;
    logs: number;
    payloads: number;
    bytes: number;
  } {
    return {
      spans: this.spanOrder.size,
      traces: this.traces.size,
      errors: this.errorQueue.size,
      logs: this.logQueue.size,
      payloads: this.payloadQueue.size,
      bytes: this.bytes,
    };
  }

  /**
   * The span at `seq` as readers see it. A compact one (compact-span.ts) is rebuilt; with `keep`, the rebuilt
   * record replaces it, for reads that hand spans out and come back for them (the views, a trace's page), while
   * one-off reads (summaries, export) leave the store as small as it was.
   */
  private spanAt(seq: number, keep: boolean): SpanRecord {
    const record = this.spanOrder.record(seq);
    if (!this.spanOrder.isCompact(seq)) return record;
    const full = expandSpan(record);
    if (keep) this.spanOrder.replace(seq, full, this.spanOrder.bytes(seq), this.spanOrder.receivedAt(seq));
    return full;
  }

  /** Whether the span at `seq` is still held (eviction is oldest first, so an evicted seq is below every held one). */
  private isHeld(seq: number): boolean {
    return seq >= this.spanOrder.firstSeq;
  }

  /** The span records of a trace entry. */
  private recordsOf(entry: TraceEntry, keep: boolean): SpanRecord[] {
    const out: SpanRecord[] = [];
    for (const seq of entry.spans.values()) if (this.isHeld(seq)) out.push(this.spanAt(seq, keep));
    return out;
  }

  /** The same, lazily, for scans that read each span once. */
  private *spanRecords(entry: TraceEntry): IterableIterator<SpanRecord> {
    for (const seq of entry.spans.values()) if (this.isHeld(seq)) yield this.spanAt(seq, true);
  }

  private summaryOf(entry: TraceEntry): TraceSummary {
    entry.summary ??= summarize({ ...entry, spans: this.recordsOf(entry, false) });
    return entry.summary;
  }

  private traceSummary(vendor: SandboxVendor, traceId: string | null): TraceSummary | null {
    if (!traceId) return null;
    const entry = this.traces.get(traceKey(vendor, traceId));
    return entry ? this.summaryOf(entry) : null;
  }

  /** Newest trace first (by start time). */
  listTraces(filter: RecordFilter = {}): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const entry of this.traces.values()) {
      if (filter.vendor && entry.vendor !== filter.vendor) continue;
      if (filter.traceId && entry.traceId !== filter.traceId) continue;
      const summary = this.summaryOf(entry);
      if (filter.run !== undefined && summary.runId !== filter.run) continue;
      out.push(summary);
    }
    out.sort((a, b) => b.startMs - a.startMs || b.receivedAt - a.receivedAt);
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  /** One stored span, or null (never received, or evicted). */
  span(vendor: SandboxVendor, traceId: string, spanId: string): SpanRecord | null {
    const seq = this.traces.get(traceKey(vendor, traceId))?.spans.get(spanId);
    return seq === undefined || !this.isHeld(seq) ? null : this.spanAt(seq, true);
  }

  /** Whether a trace of this id from this vendor is held (one map lookup: the logs view links ids with it). */
  hasTrace(vendor: SandboxVendor, traceId: string): boolean {
    return this.traces.has(traceKey(vendor, traceId));
  }

  /**
   * Every trace held, unordered, with its summary and its spans (live and unordered, re-iterable: read them
   * during the scan, don't keep them). The view queries (sandbox/views/) scan this instead of copying and
   * ordering each trace as getTrace does.
   */
  *traceEntries(
    vendor?: SandboxVendor,
  ): IterableIterator<{ summary: TraceSummary; spans: Iterable<SpanRecord> }> {
    for (const entry of this.traces.values()) {
      if (vendor && entry.vendor !== vendor) continue;
      yield { summary: this.summaryOf(entry), spans: { [Symbol.iterator]: () => this.spanRecords(entry) } };
    }
  }

  getTrace(vendor: SandboxVendor, traceId: string): { summary: TraceSummary; spans: SpanRecord[] } | null {
    const entry = this.traces.get(traceKey(vendor, traceId));
    if (!entry) return null;
    return {
      summary: this.summaryOf(entry),
      spans: orderSpans(this.recordsOf(entry, true)).map((o) => o.span),
    };
  }

  /** An error's or log's run/seq: its own, else the one of the trace it points at. */
  private correlate(r: {
    vendor: SandboxVendor;
    traceId: string | null;
    runId: string | null;
    seq: number | null;
  }) {
    if (r.runId !== null && r.seq !== null) return { runId: r.runId, seq: r.seq };
    const t = this.traceSummary(r.vendor, r.traceId);
    return { runId: r.runId ?? t?.runId ?? null, seq: r.seq ?? t?.seq ?? null };
  }

  private filterRecords<T extends ErrorRecord | LogRecord>(
    queue: BoundedQueue<T>,
    filter: RecordFilter,
  ): T[] {
    const out: T[] = [];
    for (const record of queue.newest()) {
      if (filter.limit !== undefined && out.length >= filter.limit) break;
      if (filter.vendor && record.vendor !== filter.vendor) continue;
      if (filter.traceId && record.traceId !== filter.traceId) continue;
      const corr = this.correlate(record);
      if (filter.run !== undefined && corr.runId !== filter.run) continue;
      out.push({ ...record, ...corr });
    }
    return out;
  }

  /** Newest first; run/seq filled in from the trace when the event itself lacks them. */
  listErrors(filter: RecordFilter = {}): ErrorRecord[] {
    return this.filterRecords(this.errorQueue, filter);
  }

  listLogs(filter: RecordFilter = {}): LogRecord[] {
    return this.filterRecords(this.logQueue, filter);
  }

  /** Oldest first (arrival order), optionally within [since, until] epoch ms. */
  listPayloads(filter: { vendor?: SandboxVendor; since?: number; until?: number } = {}): PayloadRecord[] {
    const out: PayloadRecord[] = [];
    for (const p of this.payloadQueue.values()) {
      if (filter.vendor && p.vendor !== filter.vendor) continue;
      if (filter.since !== undefined && p.receivedAt < filter.since) continue;
      if (filter.until !== undefined && p.receivedAt > filter.until) continue;
      out.push(p);
    }
    return out;
  }

  /** Runs seen in traces, errors or logs; newest first. */
  listRuns(): RunSummary[] {
    const runs = new Map<
      string,
      { vendors: Set<SandboxVendor>; seqs: Set<number>; first: number; last: number }
    >();
    const note = (runId: string | null, seq: number | null, vendor: SandboxVendor, at: number) => {
      if (runId === null) return;
      let r = runs.get(runId);
      if (!r) {
        r = { vendors: new Set(), seqs: new Set(), first: at, last: at };
        runs.set(runId, r);
      }
      r.vendors.add(vendor);
      if (seq !== null) r.seqs.add(seq);
      r.first = Math.min(r.first, at);
      r.last = Math.max(r.last, at);
    };
    for (const entry of this.traces.values()) {
      const s = this.summaryOf(entry);
      note(s.runId, s.seq, s.vendor, s.receivedAt);
    }
    for (const q of [this.errorQueue, this.logQueue] as Array<BoundedQueue<ErrorRecord | LogRecord>>) {
      for (const r of q.values()) {
        const c = this.correlate(r);
        note(c.runId, c.seq, r.vendor, r.timestamp);
      }
    }
    return [...runs.entries()]
      .map(([runId, r]) => ({
        runId,
        vendors: SANDBOX_VENDORS.filter((v) => r.vendors.has(v)),
        requests: r.seqs.size,
        firstSeen: r.first,
        lastSeen: r.last,
      }))
      .sort((a, b) => b.lastSeen - a.lastSeen);
  }

  /** Per seq, per vendor: what arrived for that request. The side-by-side view and compare report read this. */
  runRequests(runId: string, only: { seq?: number } = {}): RunRequests {
    const cells = new Map<
      number,
      Map<SandboxVendor, { traces: TraceEntry[]; errors: ErrorRecord[]; logs: LogRecord[] }>
    >();
    const vendors = new Set<SandboxVendor>();
    const cell = (seq: number, vendor: SandboxVendor) => {
      vendors.add(vendor);
      let row = cells.get(seq);
      if (!row) {
        row = new Map();
        cells.set(seq, row);
      }
      let c = row.get(vendor);
      if (!c) {
        c = { traces: [], errors: [], logs: [] };
        row.set(vendor, c);
      }
      return c;
    };
    for (const entry of this.traces.values()) {
      const s = this.summaryOf(entry);
      if (s.runId === runId && s.seq !== null) cell(s.seq, s.vendor).traces.push(entry);
    }
    for (const e of this.errorQueue.values()) {
      const c = this.correlate(e);
      if (c.runId === runId && c.seq !== null) cell(c.seq, e.vendor).errors.push(e);
    }
    for (const l of this.logQueue.values()) {
      const c = this.correlate(l);
      if (c.runId === runId && c.seq !== null) cell(c.seq, l.vendor).logs.push(l);
    }
    const seqs = [...cells.keys()].sort((a, b) => a - b);
    const requests = [...cells.entries()]
      .filter(([seq]) => only.seq === undefined || seq === only.seq)
      .sort((a, b) => a[0] - b[0])
      .map(([seq, row]) => {
        const views: Partial<Record<SandboxVendor, VendorRequestView>> = {};
        for (const [vendor, c] of row) views[vendor] = this.requestView(c);
        return { seq, vendors: views };
      });
    return { runId, vendors: SANDBOX_VENDORS.filter((v) => vendors.has(v)), seqs, requests };
  }

  private requestView(c: {
    traces: TraceEntry[];
    errors: ErrorRecord[];
    logs: LogRecord[];
  }): VendorRequestView {
    const summaries = c.traces.map((t) => this.summaryOf(t)).sort((a, b) => a.startMs - b.startMs);
    const spans = c.traces.flatMap((t) => this.recordsOf(t, false));
    // Counted as /api/errors and the compare report count them: one row per occurrence (error-occurrences.ts).
    const newestFirst = <T extends ErrorRecord | LogRecord>(records: T[]) =>
      records.map((r) => ({ ...r, ...this.correlate(r) })).reverse();
    const occurrences = errorOccurrences(newestFirst(c.errors), newestFirst(c.logs), {
      spanOf: (vendor, traceId, spanId) => this.span(vendor, traceId, spanId),
    });
    // A loop, not Math.min(...spans): spreading 200 000 arguments overflows the call stack.
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (const s of spans) {
      start = Math.min(start, s.startMs);
      end = Math.max(end, s.startMs + s.durationMs);
    }
    const glance = c.traces
      .flatMap((t) => orderSpans(this.recordsOf(t, false)))
      .slice(0, GLANCE_SPANS)
      .map(({ span, depth }) => ({
        spanId: span.spanId,
        parentId: span.parentId,
        name: span.name,
        service: span.service,
        offsetMs: span.startMs - start,
        durationMs: span.durationMs,
        depth,
        status: span.status,
        chaos: span.name === 'chaos.latency',
        ...(span.inProgress ? { inProgress: true } : {}),
      }));
    return {
      traceIds: summaries.map((s) => s.traceId),
      rootName: summaries[0]?.rootName ?? null,
      spanCount: spans.length,
      durationMs: spans.length ? end - start : null,
      error: summaries.some((s) => s.error) || occurrences.length > 0,
      errors: occurrences.map((o) => ({
        type: o.type,
        message: o.message,
        traceId: o.traceId,
        recordCount: o.recordCount,
      })),
      logs: c.logs.length,
      logSamples: c.logs.slice(0, LOG_SAMPLES).map((l) => ({ level: l.level, message: l.message })),
      spans: glance,
    };
  }

  /**
   * Everything stored, as NDJSON lines: payload records first (one per line, no records), then records in
   * chunks. Importing the result into an empty store reproduces this one.
   */
  *exportLines(chunk = 500): IterableIterator<SandboxLine> {
    const empty = { spans: [], errors: [], logs: [] };
    for (const payload of this.payloadQueue.values()) yield { vendor: payload.vendor, payload, ...empty };
    for (const vendor of SANDBOX_VENDORS) {
      // Spans that arrived together stay on one line, so each keeps its arrival time.
      let group: SpanRecord[] = [];
      let groupAt = 0;
      // By seq, not index: spans evicted while the export is read are skipped, never read twice.
      for (let seq = this.spanOrder.firstSeq; ; seq++) {
        seq = Math.max(seq, this.spanOrder.firstSeq);
        if (seq >= this.spanOrder.endSeq) break;
        // The held record's vendor is the record's, compact or not: only this vendor's are rebuilt.
        if (this.spanOrder.record(seq).vendor !== vendor) continue;
        const span = this.spanAt(seq, false);
        const receivedAt = this.spanOrder.receivedAt(seq);
        if (group.length && (receivedAt !== groupAt || group.length >= chunk)) {
          yield { vendor, payload: null, receivedAt: groupAt, ...empty, spans: group };
          group = [];
        }
        group.push(span);
        groupAt = receivedAt;
      }
      if (group.length) yield { vendor, payload: null, receivedAt: groupAt, ...empty, spans: group };
      const errors = [...this.errorQueue.values()].filter((e) => e.vendor === vendor);
      const logs = [...this.logQueue.values()].filter((l) => l.vendor === vendor);
      for (let i = 0; i < errors.length; i += chunk)
        yield { vendor, payload: null, ...empty, errors: errors.slice(i, i + chunk) };
      for (let i = 0; i < logs.length; i += chunk)
        yield { vendor, payload: null, ...empty, logs: logs.slice(i, i + chunk) };
    }
  }
}
