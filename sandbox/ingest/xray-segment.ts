import { correlationOf } from '../correlation';
import type { ErrorRecord, IngestBatch, SpanKind, SpanRecord, StackFrame } from '../model';

/**
 * X-Ray segment documents → the sandbox model
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html).
 */

export interface XrayException {
  id?: string;
  type?: string;
  message?: string;
  remote?: boolean;
  stack?: Array<{ path?: string; line?: number; label?: string }>;
}

export interface XrayDocument {
  id: string;
  trace_id?: string;
  parent_id?: string;
  type?: string;
  name: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  namespace?: string;
  origin?: string;
  fault?: boolean;
  error?: boolean;
  throttle?: boolean;
  http?: Record<string, unknown>;
  aws?: Record<string, unknown>;
  sql?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  metadata?: Record<string, Record<string, unknown>>;
  /** Segment only: the application's version, e.g. `{version: "1.2.3"}`. */
  service?: Record<string, unknown>;
  /** Segment only: the user who sent the request. */
  user?: string;
  cause?: { exceptions?: XrayException[] } | string;
  subsegments?: XrayDocument[];
}

/** What a subsegment inherits from its segment: the service, the run correlation and the SDK that sent it. */
export interface XrayContext {
  service: string;
  runId: string | null;
  seq: number | null;
  /** `aws.xray.sdk` of the segment, e.g. `X-Ray for Python`; null when unknown. */
  sdk: string | null;
}

/** The context of a document whose segment never arrived. */
export const unknownContext = (): XrayContext => ({ service: 'unknown', runId: null, seq: null, sdk: null });

/**
 * Structural check for a segment or subsegment document; returns why it isn't one, or null. A `nested`
 * subsegment (inside a `subsegments` array) takes its trace and parent from the enclosing document.
 */
export function invalidReason(doc: unknown, nested = false): string | null {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'document is not a JSON object';
  const d = doc as Partial<XrayDocument>;
  if (typeof d.id !== 'string' || d.id === '') return 'missing id';
  if (typeof d.name !== 'string') return 'missing name';
  if (typeof d.start_time !== 'number') return 'missing start_time';
  if (nested) return null;
  if (d.type === 'subsegment' && (typeof d.parent_id !== 'string' || typeof d.trace_id !== 'string')) {
    return 'independent subsegment needs parent_id and trace_id';
  }
  if (d.type !== 'subsegment' && typeof d.trace_id !== 'string') return 'segment needs trace_id';
  return null;
}

/** A top-level segment (not a streamed subsegment) defines the context its subsegments inherit. */
export function segmentContext(doc: XrayDocument): XrayContext {
  const { runId, seq } = correlationOf(doc.annotations);
  const sdk = plainObject(plainObject(doc.aws).xray).sdk;
  return { service: doc.name, runId, seq, sdk: typeof sdk === 'string' ? sdk : null };
}

/**
 * Converts one document and its nested subsegments. `context` is the enclosing segment's (for an independent
 * subsegment, looked up by the daemon); `onSpan` lets the daemon remember each id's context for later
 * streamed children.
 */
export function documentToBatch(
  doc: XrayDocument,
  context: XrayContext,
  onSpan?: (spanId: string, context: XrayContext) => void,
): IngestBatch {
  const batch: IngestBatch = { spans: [], errors: [], logs: [] };
  const isSegment = doc.type !== 'subsegment';
  walk(doc, doc.trace_id ?? '', doc.parent_id ?? null, isSegment, context, batch, onSpan);
  return batch;
}

function walk(
  doc: XrayDocument,
  traceId: string,
  parentId: string | null,
  isSegment: boolean,
  context: XrayContext,
  batch: IngestBatch,
  onSpan?: (spanId: string, context: XrayContext) => void,
): void {
  const span = spanRecord(doc, traceId, parentId, isSegment, context);
  batch.spans.push(span);
  onSpan?.(span.spanId, context);
  batch.errors.push(...errorRecords(doc, span, context));
  for (const child of Array.isArray(doc.subsegments) ? doc.subsegments : []) {
    if (invalidReason(child, true) !== null) continue;
    walk(child, traceId, doc.id, false, context, batch, onSpan);
  }
}

/** SQS operations that put a message on a queue: their `aws` subsegment is the producer side of the hop. */
const SQS_SENDS = new Set(['SendMessage', 'SendMessageBatch']);

function kindOf(doc: XrayDocument, isSegment: boolean): SpanKind {
  // X-Ray has no span kinds. A segment that handles a queue message (an `aws.queue_url` and no `http` request,
  // as a Lambda's SQS trigger or bakeoff's worker records) is a consumer; any other segment serves a request.
  if (isSegment) return doc.aws?.queue_url !== undefined && doc.http === undefined ? 'consumer' : 'server';
  if (doc.namespace === 'aws' && SQS_SENDS.has(String(doc.aws?.operation))) return 'producer';
  return doc.namespace === 'remote' || doc.namespace === 'aws' ? 'client' : 'internal';
}

function spanRecord(
  doc: XrayDocument,
  traceId: string,
  parentId: string | null,
  isSegment: boolean,
  context: XrayContext,
): SpanRecord {
  const annotations = plainObject(doc.annotations);
  const metadata = plainObject(doc.metadata) as Record<string, unknown>;
  const native: Record<string, Record<string, unknown>> = { annotations, metadata };
  const attributes: Record<string, unknown> = {};
  for (const block of ['http', 'aws', 'sql', 'service'] as const) {
    if (doc[block] && typeof doc[block] === 'object') {
      native[block] = doc[block] as Record<string, unknown>;
      // The segment's `service` block (app name and version, runtime) is flattened apart so its `name` can't
      // pass for OTel's `service.name`.
      flatten(block === 'service' ? 'xray.service' : block, doc[block], attributes);
    }
  }
  // Metadata is namespaced; the `default` namespace is what the SDK's addMetadata(key, value) writes.
  for (const [namespace, values] of Object.entries(metadata)) {
    for (const [key, value] of Object.entries(plainObject(values))) {
      attributes[namespace === 'default' ? key : `${namespace}.${key}`] = value;
    }
  }
  Object.assign(attributes, annotations);
  for (const flag of ['fault', 'error', 'throttle'] as const)
    if (doc[flag]) attributes[`xray.${flag}`] = true;
  if (doc.namespace) attributes['xray.namespace'] = doc.namespace;
  if (doc.origin) attributes['xray.origin'] = doc.origin;
  if (typeof doc.user === 'string' && doc.user !== '') {
    attributes['xray.user'] = doc.user;
    native.user = { user: doc.user };
  }

  const failed = Boolean(doc.fault || doc.error || doc.throttle);
  const completed = typeof doc.end_time === 'number';
  const endTime = completed ? doc.end_time! : doc.start_time;
  const record: SpanRecord = {
    vendor: 'xray',
    traceId,
    spanId: doc.id,
    parentId,
    name: doc.name,
    service: context.service,
    kind: kindOf(doc, isSegment),
    startMs: doc.start_time * 1000,
    durationMs: Math.max(0, (endTime - doc.start_time) * 1000),
    attributes,
    native,
    status: failed ? 'error' : 'unset',
  };
  // Without an end time the duration is unknown, not 0: the UI draws the span as still running.
  if (!completed) record.inProgress = true;
  if (failed) {
    const first = typeof doc.cause === 'object' ? doc.cause?.exceptions?.[0] : undefined;
    record.statusMessage = first?.message ?? (doc.fault ? 'fault' : doc.throttle ? 'throttle' : 'error');
  }
  return record;
}

function errorRecords(doc: XrayDocument, span: SpanRecord, context: XrayContext): ErrorRecord[] {
  // `cause` may also be a bare exception id pointing at another (sub)segment's exception: nothing new there.
  if (!doc.cause || typeof doc.cause !== 'object' || !Array.isArray(doc.cause.exceptions)) return [];
  const own = correlationOf(span.native.annotations);
  return doc.cause.exceptions.map((ex) => ({
    vendor: 'xray',
    type: ex.type ?? 'Error',
    message: ex.message ?? '',
    frames: framesOf(ex, context),
    level: doc.fault ? 'error' : 'warning',
    timestamp: span.startMs + span.durationMs,
    traceId: span.traceId,
    spanId: span.spanId,
    runId: own.runId ?? context.runId,
    seq: own.seq ?? context.seq,
    attributes: Object.assign({}, span.attributes, { 'span.name': span.name, 'service.name': span.service }),
    native: { exception: ex as Record<string, unknown>, annotations: span.native.annotations },
  }));
}

/**
 * The model keeps frames innermost first. Most X-Ray SDKs (Node, Java, .NET, Go) send them that way; the Python
 * SDK sends `traceback.extract_stack() + extract_tb()`, outermost first. Known by the segment's `aws.xray.sdk`,
 * or, for a subsegment whose segment wasn't seen, by every frame being a `.py` file.
 */
function framesOf(ex: XrayException, context: XrayContext): StackFrame[] {
  const stack = (Array.isArray(ex.stack) ? ex.stack : []).filter((f) => f && typeof f === 'object');
  const frames = stack.map(frameOf);
  const python = context.sdk
    ? /python/i.test(context.sdk)
    : stack.length > 0 && stack.every((f) => typeof f.path === 'string' && f.path.endsWith('.py'));
  return python ? frames.reverse() : frames;
}

function frameOf(frame: { path?: string; line?: number; label?: string }): StackFrame {
  const out: StackFrame = {};
  if (frame.label) out.function = frame.label;
  if (frame.path) out.file = frame.path;
  if (typeof frame.line === 'number') out.line = frame.line;
  return out;
}

function plainObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `http: {request: {method}}` → `http.request.method`; arrays are kept whole. */
function flatten(prefix: string, value: unknown, out: Record<string, unknown>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v, out);
  } else {
    out[prefix] = value;
  }
}
