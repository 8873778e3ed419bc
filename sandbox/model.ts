/**
 * The sandbox's one normalized model. Every ingest decoder turns its vendor's wire format into these records;
 * the store, the JSON API, the UI and the compare report read nothing else.
 */
import type { ErrorRecord, LogRecord, SandboxVendor, SpanRecord } from '../shared/sandbox-api';
import { VENDOR_NAMES } from '../vendors';

// The record types are the sandbox API's wire types, declared once in shared/ for the harness and tests too.
export type {
  ErrorRecord,
  LogRecord,
  PayloadRecord,
  SandboxVendor,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanRecord,
  SpanStatus,
  StackFrame,
} from '../shared/sandbox-api';

/** In manifest order. */
export const SANDBOX_VENDORS = VENDOR_NAMES.filter(
  (name): name is SandboxVendor => name !== 'none',
) as unknown as readonly [SandboxVendor, ...SandboxVendor[]];

export interface IngestBatch {
  spans: SpanRecord[];
  errors: ErrorRecord[];
  logs: LogRecord[];
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
