import { correlationOf } from '../correlation';
import type {
  ErrorRecord,
  IngestBatch,
  LogRecord,
  SandboxVendor,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanRecord,
} from '../model';
import { levelOf } from './otlp-severity';
import { parseStackTrace } from './otlp-stack';
import { anyValue, durationMs, idHex, keyValues, nanosToMs, toInt } from './otlp-values';
import { WireTraceRequest } from './otlp-wire';

/**
 * OTLP export requests (protobuf-decoded or JSON, see otlp-values.ts) → the sandbox model.
 * Field names are the camelCase both encodings share.
 */

interface OtlpResource {
  attributes?: unknown[];
}
interface OtlpEvent {
  timeUnixNano?: unknown;
  name?: string;
  attributes?: unknown[];
}
interface OtlpLink {
  traceId?: unknown;
  spanId?: unknown;
  attributes?: unknown[];
}
interface OtlpSpan {
  traceId?: unknown;
  spanId?: unknown;
  parentSpanId?: unknown;
  name?: string;
  kind?: unknown;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: unknown[];
  events?: OtlpEvent[];
  links?: OtlpLink[];
  status?: { code?: unknown; message?: string };
}
interface OtlpLog {
  timeUnixNano?: unknown;
  observedTimeUnixNano?: unknown;
  severityNumber?: unknown;
  severityText?: string;
  body?: unknown;
  attributes?: unknown[];
  traceId?: unknown;
  spanId?: unknown;
}
interface ResourceSpans {
  resource?: OtlpResource;
  scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
}
interface ResourceLogs {
  resource?: OtlpResource;
  scopeLogs?: Array<{ scope?: { name?: string }; logRecords?: OtlpLog[] }>;
}

const KINDS: Record<number, SpanKind> = {
  1: 'internal',
  2: 'server',
  3: 'client',
  4: 'producer',
  5: 'consumer',
};

/** Enums are ints in OTLP/JSON, but a few encoders write the name (`SPAN_KIND_SERVER`); accept both. */
function enumValue(v: unknown, names: readonly string[]): number {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const i = names.findIndex((n) => v.toUpperCase().endsWith(n));
    return Math.max(i, 0);
  }
  return toInt(v);
}
const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'] as const;

const asArray = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);

export function tracesToBatch(request: { resourceSpans?: unknown[] }, vendor: SandboxVendor): IngestBatch {
  if (request instanceof WireTraceRequest) return wireBatch(request, vendor);
  const batch: IngestBatch = { spans: [], errors: [], logs: [] };
  for (const rs of asArray(request.resourceSpans as ResourceSpans[])) {
    // Shared by the ResourceSpans' spans and frozen, as otlp-wire.ts does, so the store measures it once.
    const resource = Object.freeze(keyValues(rs?.resource?.attributes));
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown';
    for (const scope of asArray(rs?.scopeSpans)) {
      for (const span of asArray(scope?.spans)) {
        addSpan(batch, spanRecord(span, vendor, service, resource), resource);
      }
    }
  }
  return batch;
}

/** Protobuf read by otlp-wire.ts: the records are made; they get their vendor and errors. */
function wireBatch(request: WireTraceRequest, vendor: SandboxVendor): IngestBatch {
  const batch: IngestBatch = { spans: [], errors: [], logs: [] };
  for (const { resource, spans } of request.resourceSpans) {
    for (const record of spans) {
      record.vendor = vendor;
      addSpan(batch, record, resource);
    }
  }
  return batch;
}

/** The span, and an error record for each of its `exception` events. */
function addSpan(batch: IngestBatch, record: SpanRecord, resource: Record<string, unknown>): void {
  batch.spans.push(record);
  for (const event of record.events ?? []) {
    if (event.name === 'exception') batch.errors.push(exceptionRecord(event, record, resource));
  }
}

function spanRecord(
  span: OtlpSpan,
  vendor: SandboxVendor,
  service: string,
  resource: Record<string, unknown>,
): SpanRecord {
  const attributes = keyValues(span.attributes);
  const startMs = nanosToMs(span.startTimeUnixNano) ?? 0;
  const statusCode = enumValue(span.status?.code, STATUS_NAMES);
  const record: SpanRecord = {
    vendor,
    traceId: idHex(span.traceId),
    spanId: idHex(span.spanId),
    parentId: idHex(span.parentSpanId) || null,
    name: span.name ?? '',
    service,
    kind: KINDS[enumValue(span.kind, KIND_NAMES)] ?? 'internal',
    startMs,
    durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    // Resource first so a span attribute of the same name wins in the flattened view. (Object.assign, not
    // spread: spread of attribute bags with dotted keys measured ~10x slower.)
    attributes: Object.assign({}, resource, attributes),
    native: { attributes, resource },
    status: statusCode === 2 ? 'error' : statusCode === 1 ? 'ok' : 'unset',
  };
  if (statusCode === 2 && span.status?.message) record.statusMessage = span.status.message;
  // Only set when present, so spans without any (most of them) stay as small, and as fast to map, as before.
  if (Array.isArray(span.events) && span.events.length > 0) {
    record.events = span.events.filter(isObject).map((e) => eventOf(e, startMs));
  }
  if (Array.isArray(span.links) && span.links.length > 0) {
    record.links = span.links.filter(isObject).map(linkOf);
  }
  return record;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

function eventOf(event: OtlpEvent, spanStartMs: number): SpanEvent {
  return {
    name: typeof event.name === 'string' ? event.name : '',
    timeMs: nanosToMs(event.timeUnixNano) ?? spanStartMs,
    attributes: keyValues(event.attributes),
  };
}

function linkOf(link: OtlpLink): SpanLink {
  return { traceId: idHex(link.traceId), spanId: idHex(link.spanId), attributes: keyValues(link.attributes) };
}

function exceptionRecord(event: SpanEvent, span: SpanRecord, resource: Record<string, unknown>): ErrorRecord {
  const attrs = event.attributes;
  const { runId, seq } = correlationOf(span.attributes, attrs);
  return {
    vendor: span.vendor,
    type: String(attrs['exception.type'] ?? 'Error'),
    message: String(attrs['exception.message'] ?? ''),
    frames: parseStackTrace(attrs['exception.stacktrace']),
    level: 'error',
    timestamp: event.timeMs,
    traceId: span.traceId || null,
    spanId: span.spanId || null,
    runId,
    seq,
    attributes: Object.assign({}, span.attributes, attrs, {
      'span.name': span.name,
      'service.name': span.service,
    }),
    native: { event: attrs, resource },
  };
}

export function logsToBatch(request: { resourceLogs?: unknown[] }, vendor: SandboxVendor): IngestBatch {
  const batch: IngestBatch = { spans: [], errors: [], logs: [] };
  for (const rl of asArray(request.resourceLogs as ResourceLogs[])) {
    const resource = keyValues(rl?.resource?.attributes);
    for (const scope of asArray(rl?.scopeLogs)) {
      for (const log of asArray(scope?.logRecords)) batch.logs.push(logRecord(log, vendor, resource));
    }
  }
  return batch;
}

function logRecord(log: OtlpLog, vendor: SandboxVendor, resource: Record<string, unknown>): LogRecord {
  const attributes = keyValues(log.attributes);
  const body = log.body === undefined ? null : anyValue(log.body);
  const { runId, seq } = correlationOf(attributes, resource);
  return {
    vendor,
    timestamp: nanosToMs(log.timeUnixNano) || nanosToMs(log.observedTimeUnixNano) || Date.now(),
    level: levelOf(log.severityText, log.severityNumber),
    message:
      typeof body === 'string' ? body : body === null || body === undefined ? '' : JSON.stringify(body),
    traceId: idHex(log.traceId) || null,
    spanId: idHex(log.spanId) || null,
    runId,
    seq,
    group: null,
    stream: null,
    attributes: Object.assign({}, resource, attributes),
  };
}
