/**
 * The sandbox's wire types: the records its JSON API serves (`/api/traces`, `/api/errors`, `/api/logs`,
 * `/api/payloads`) and the drop-ack sandbox's counts. Types only, so the sandbox (which builds them) and the
 * harness and tests (which read them over HTTP) share one declaration without the harness importing sandbox code.
 */
import type { AdapterName } from '../vendors';

/**
 * Adapter names (from the vendor manifests, vendors/): every vendor the sandbox files data under, `otlp` (any
 * OTLP client that sends no vendor's key) included.
 */
export type SandboxVendor = Exclude<AdapterName, 'none'>;

export type SpanKind = 'server' | 'client' | 'internal' | 'producer' | 'consumer';
export type SpanStatus = 'ok' | 'error' | 'unset';

export interface SpanRecord {
  vendor: SandboxVendor;
  /** Lower-case hex as the vendor sends it (X-Ray keeps its `1-xxxxxxxx-…` form). */
  traceId: string;
  spanId: string;
  parentId: string | null;
  name: string;
  service: string;
  kind: SpanKind;
  startMs: number;
  durationMs: number;
  /** Flattened view: every vendor-native bag merged, for searching and the report. */
  attributes: Record<string, unknown>;
  /**
   * Vendor-native bags kept apart, e.g. X-Ray `{annotations, metadata}`, Datadog `{meta, metrics}`,
   * Sentry `{tags, data, contexts}`, OTel `{attributes, resource}`.
   */
  native: Record<string, Record<string, unknown>>;
  status: SpanStatus;
  statusMessage?: string;
  /** The sender's release, from the vendor's native field (its manifest's `release`); absent if it sent none. */
  release?: string;
  /** Timed events on the span (OTel span events, including `exception`), oldest first. */
  events?: SpanEvent[];
  /** Links to spans of this or other traces (OTel span links: batch consumers, fan-in, follows-from). */
  links?: SpanLink[];
  /**
   * True when only an in-progress version has arrived (an X-Ray `in_progress` document whose completed
   * version never came): `durationMs` is then unknown, not 0, and a completed version always replaces it.
   */
  inProgress?: boolean;
}

export interface SpanEvent {
  name: string;
  /** Epoch ms, sub-millisecond part kept as a fraction. */
  timeMs: number;
  attributes: Record<string, unknown>;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
}

export interface StackFrame {
  function?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface ErrorRecord {
  vendor: SandboxVendor;
  type: string;
  message: string;
  frames: StackFrame[];
  level: string;
  timestamp: number;
  traceId: string | null;
  spanId: string | null;
  runId: string | null;
  seq: number | null;
  attributes: Record<string, unknown>;
  native: Record<string, Record<string, unknown>>;
  /** The sender's release, from the vendor's native field (its manifest's `release`); absent if it sent none. */
  release?: string;
}

export interface LogRecord {
  vendor: SandboxVendor;
  timestamp: number;
  level: string;
  message: string;
  traceId: string | null;
  spanId: string | null;
  runId: string | null;
  seq: number | null;
  group: string | null;
  stream: string | null;
  attributes: Record<string, unknown>;
  /** Vendor-native bags kept apart, as on spans and errors (e.g. a Rollbar info item's `request`, `person`). */
  native?: Record<string, Record<string, unknown>>;
  /** The sender's release, from the vendor's native field (its manifest's `release`); absent if it sent none. */
  release?: string;
}

/** Accounting for one request that reached an ingest route: what it cost on the wire. */
export interface PayloadRecord {
  vendor: SandboxVendor;
  route: string;
  /** Bytes of the body as received (compressed, if it was). */
  bytes: number;
  receivedAt: number;
  contentType: string | null;
  spans: number;
  errors: number;
  logs: number;
}

/** `/api/traces` rows: one per trace, computed from its spans (sandbox/store.ts `summarize`). */
export interface TraceSummary {
  vendor: SandboxVendor;
  traceId: string;
  rootName: string;
  rootSpanId: string;
  services: string[];
  spanCount: number;
  startMs: number;
  durationMs: number;
  error: boolean;
  runId: string | null;
  seq: number | null;
  /** The release the trace's services reported (SpanRecord.release of its root, else its earliest span). */
  release: string | null;
  /** When the sandbox first / last received a span of this trace (epoch ms). */
  receivedAt: number;
  updatedAt: number;
}

/** `/api/traces/:vendor/:traceId`: the summary and every span, parents before children. */
export interface TraceDetail {
  summary: TraceSummary;
  spans: SpanRecord[];
}

/** One `/api/errors` row: the record that represents the occurrence, plus every native record behind it. */
export interface ErrorOccurrence extends ErrorRecord {
  /** Oldest first: the error events (or, for CloudWatch, the log lines) the vendor sent for this occurrence. */
  records: Array<ErrorRecord | LogRecord>;
  recordCount: number;
}

/** What one vendor sent the drop-ack sandbox: request bodies (or datagrams) and their bytes on the wire. */
export interface VendorCount {
  payloads: number;
  bytes: number;
}

/** Drop-ack counts per vendor; `unmatched` = requests no module claimed. */
export type DropAckCounts = Record<string, VendorCount>;
