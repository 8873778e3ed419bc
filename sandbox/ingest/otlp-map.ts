import { correlationOf } from '../correlation';
import type { ErrorRecord, IngestBatch, LogRecord, SandboxVendor, SpanKind, SpanRecord } from '../model';
import { parseStackTrace } from './otlp-stack';
import { anyValue, durationMs, idHex, keyValues, nanosToMs, toInt } from './otlp-values';

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
  const batch: IngestBatch = { spans: [], errors: [], logs: [] };
  for (const rs of asArray(request.resourceSpans as ResourceSpans[])) {
    const resource = keyValues(rs?.resource?.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown';
    for (const scope of asArray(rs?.scopeSpans)) {
      for (const span of asArray(scope?.spans)) {
        const record = spanRecord(span, vendor, service, resource);
        batch.spans.push(record);
        for (const event of asArray(span.events)) {
          if (event?.name === 'exception') batch.errors.push(exceptionRecord(event, record, resource));
        }
      }
    }
  }
  return batch;
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
  return record;
}

function exceptionRecord(event: OtlpEvent, span: SpanRecord, resource: Record<string, unknown>): ErrorRecord {
  const attrs = keyValues(event.attributes);
  const { runId, seq } = correlationOf(span.attributes, attrs);
  return {
    vendor: span.vendor,
    type: String(attrs['exception.type'] ?? 'Error'),
    message: String(attrs['exception.message'] ?? ''),
    frames: parseStackTrace(attrs['exception.stacktrace']),
    level: 'error',
    timestamp: nanosToMs(event.timeUnixNano) ?? span.startMs,
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

/** SeverityNumber ranges from the OTel logs data model: 1-4 trace … 21-24 fatal. */
function levelOf(text: string | undefined, severity: number): string {
  if (text) return text.toLowerCase();
  if (severity <= 0) return 'info';
  return ['trace', 'debug', 'info', 'warn', 'error', 'fatal'][Math.min(5, Math.floor((severity - 1) / 4))];
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
    level: levelOf(log.severityText, enumValue(log.severityNumber, [])),
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
