/**
 * The sandbox's one normalized model. Every ingest decoder turns its vendor's wire format into these records;
 * the store, the JSON API, the UI and the compare report read nothing else.
 */
import { type AdapterName, VENDOR_NAMES } from '../vendors';

/** Adapter names (from the vendor manifests, vendors/), plus `otlp` for OTLP that arrives without a Honeycomb key. */
export type SandboxVendor = Exclude<AdapterName, 'none'> | 'otlp';

/** In manifest order; anonymous OTLP sits next to Honeycomb, whose OTLP intake it shares. */
export const SANDBOX_VENDORS = VENDOR_NAMES.flatMap((name): SandboxVendor[] =>
  name === 'none' ? [] : name === 'honeycomb' ? [name, 'otlp'] : [name],
) as unknown as readonly [SandboxVendor, ...SandboxVendor[]];

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
}

export interface IngestBatch {
  spans: SpanRecord[];
  errors: ErrorRecord[];
  logs: LogRecord[];
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

export interface PayloadMeta {
  route: string;
  bytes: number;
  contentType: string | null;
}

/** What every decoder hands its result to; the sandbox store implements it. */
export interface IngestSink {
  accept(vendor: SandboxVendor, meta: PayloadMeta, batch: IngestBatch): void;
}

export const emptyBatch = (): IngestBatch => ({ spans: [], errors: [], logs: [] });
