import type { SpanKind, SpanRecord, SpanStatus } from '../model';
import { isObject, type JsonObject, objectOr, secondsToMs, stringOr } from './json-fields';
import { eventDetailBags } from './sentry-event';

/**
 * Sentry spans → SpanRecords, in both shapes @sentry/node 11 sends:
 * - span streaming (the v11 default): `span` items with content type application/vnd.sentry.items.span.v2+json,
 *   payload `{version: 2, items: [{trace_id, span_id, parent_span_id?, name, start_timestamp, end_timestamp,
 *   is_segment, status: 'ok'|'error', attributes: {key: {type, value}}}]}`;
 * - `traceLifecycle: 'static'`: a `transaction` event that is itself the root span (`contexts.trace`) with its
 *   children in `spans[]`.
 *
 * Service name, first found: the `service.name` attribute (span attribute, or transaction data/tag — the
 * adapter sets it on Sentry's global scope, which v11 copies onto every streamed span), then the event's
 * `server_name` (the SDK's `serverName` option, sent with transactions but not with streamed spans), then the
 * segment's service for a streamed child, else `sentry-project-<id>` from the DSN.
 */

export class SpanPayloadError extends Error {}

export interface SentrySpanContext {
  /** Project id from the DSN path, for the fallback service name. */
  project: string;
}

const SERVICE_KEY = 'service.name';

const KINDS: readonly SpanKind[] = ['server', 'client', 'internal', 'producer', 'consumer'];

/** `otel.kind` when Sentry's OpenTelemetry layer set it, else guessed from the op (`http.server`, `db`, …). */
function kindOf(attributes: JsonObject, op: unknown): SpanKind {
  const otelKind = typeof attributes['otel.kind'] === 'string' ? attributes['otel.kind'].toLowerCase() : '';
  if ((KINDS as readonly string[]).includes(otelKind)) return otelKind as SpanKind;
  const o = typeof op === 'string' ? op : '';
  if (o.startsWith('http.server') || o === 'function.aws.lambda') return 'server';
  if (o.startsWith('http.client') || o.startsWith('db') || o.startsWith('cache') || o === 'rpc')
    return 'client';
  if (o.startsWith('queue.publish')) return 'producer';
  if (o.startsWith('queue.process') || o.startsWith('queue.receive')) return 'consumer';
  return 'internal';
}

/**
 * Sentry's span status is `ok`, one of the gRPC-like error names, or (v2) `error`. Older SDKs (sentry-python
 * 1.x, sentry-javascript 5/6) send a child span's status only as `tags.status`, so that is the fallback.
 */
function statusOf(status: unknown): { status: SpanStatus; statusMessage?: string } {
  if (typeof status !== 'string' || status === '' || status === 'unknown') return { status: 'unset' };
  if (status === 'ok') return { status: 'ok' };
  return { status: 'error', statusMessage: status };
}

/** Sentry's span statuses (https://develop.sentry.dev/sdk/data-model/event-payloads/span/). */
const SPAN_STATUSES = new Set([
  'ok',
  'cancelled',
  'unknown',
  'unknown_error',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal_error',
  'unavailable',
  'data_loss',
  'unauthenticated',
]);

/** `tags.status` is also an ordinary tag name, so only one of Sentry's status values counts as a status. */
const tagStatus = (tags: JsonObject): string | undefined =>
  typeof tags.status === 'string' && SPAN_STATUSES.has(tags.status) ? tags.status : undefined;

function timing(start: unknown, end: unknown, what: string): { startMs: number; durationMs: number } {
  const startMs = secondsToMs(start);
  const endMs = secondsToMs(end);
  if (startMs === null) throw new SpanPayloadError(`${what} has no start_timestamp`);
  return { startMs, durationMs: endMs === null ? 0 : Math.max(0, endMs - startMs) };
}

function requireId(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new SpanPayloadError(`${what} has no ${field}`);
  return value.toLowerCase();
}

/** v2 attributes are `{key: {type, value}}`; the flat view keeps only the values. */
function unwrapAttributes(raw: unknown): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(objectOr(raw))) out[key] = isObject(v) && 'value' in v ? v.value : v;
  return out;
}

/** Decodes a span v2 item payload. */
export function spansFromStream(payload: JsonObject, ctx: SentrySpanContext): SpanRecord[] {
  if (!Array.isArray(payload.items)) throw new SpanPayloadError('span payload has no items array');
  const items = payload.items.map((item, i) => {
    if (!isObject(item)) throw new SpanPayloadError(`span ${i} is not an object`);
    return item;
  });
  // Children may lack service.name when the app set it only on the segment; they inherit the segment's.
  const segmentService = new Map<string, string>();
  for (const item of items) {
    const service = unwrapAttributes(item.attributes)[SERVICE_KEY];
    if (item.is_segment === true && typeof service === 'string' && typeof item.span_id === 'string') {
      segmentService.set(item.span_id, service);
    }
  }
  return items.map((item, i) => {
    const what = `span ${i}`;
    const attributes = unwrapAttributes(item.attributes);
    const segmentId = attributes['sentry.segment.id'];
    const service =
      (typeof attributes[SERVICE_KEY] === 'string' && attributes[SERVICE_KEY]) ||
      (typeof segmentId === 'string' && segmentService.get(segmentId)) ||
      `sentry-project-${ctx.project}`;
    return {
      vendor: 'sentry',
      traceId: requireId(item.trace_id, 'trace_id', what),
      spanId: requireId(item.span_id, 'span_id', what),
      parentId: typeof item.parent_span_id === 'string' && item.parent_span_id ? item.parent_span_id : null,
      name: stringOr(item.name, stringOr(attributes['sentry.op'], '(unnamed)')),
      service: String(service),
      kind: kindOf(attributes, attributes['sentry.op']),
      ...timing(item.start_timestamp, item.end_timestamp, what),
      attributes,
      native: { attributes: objectOr(item.attributes) },
      ...statusOf(item.status),
    };
  });
}

/** Decodes a `transaction` event: the root span from `contexts.trace`, then its `spans[]`. */
export function spansFromTransaction(event: JsonObject, ctx: SentrySpanContext): SpanRecord[] {
  const contexts = objectOr(event.contexts);
  const trace = objectOr(contexts.trace);
  const tags = objectOr(event.tags);
  const data = objectOr(trace.data);
  const traceId = requireId(trace.trace_id, 'trace_id', 'transaction contexts.trace');
  const service = stringOr(
    data[SERVICE_KEY],
    stringOr(tags[SERVICE_KEY], stringOr(event.server_name, `sentry-project-${ctx.project}`)),
  );
  const root: SpanRecord = {
    vendor: 'sentry',
    traceId,
    spanId: requireId(trace.span_id, 'span_id', 'transaction contexts.trace'),
    parentId: typeof trace.parent_span_id === 'string' && trace.parent_span_id ? trace.parent_span_id : null,
    name: stringOr(event.transaction, stringOr(trace.op, '(unnamed transaction)')),
    service,
    kind: kindOf(data, trace.op),
    ...timing(event.start_timestamp, event.timestamp, 'transaction'),
    attributes: {
      ...data,
      ...tags,
      ...(typeof trace.op === 'string' ? { 'sentry.op': trace.op } : {}),
      // The transaction's release, where a streamed span carries `sentry.release`.
      ...(typeof event.release === 'string' ? { release: event.release } : {}),
    },
    native: { tags, data, contexts, ...eventDetailBags(event) },
    ...statusOf(trace.status ?? tagStatus(tags)),
  };
  const children = Array.isArray(event.spans) ? event.spans : [];
  const spans = children.map((child, i): SpanRecord => {
    const what = `transaction span ${i}`;
    if (!isObject(child)) throw new SpanPayloadError(`${what} is not an object`);
    const childData = objectOr(child.data);
    const childTags = objectOr(child.tags);
    return {
      vendor: 'sentry',
      traceId: typeof child.trace_id === 'string' ? child.trace_id.toLowerCase() : traceId,
      spanId: requireId(child.span_id, 'span_id', what),
      parentId:
        typeof child.parent_span_id === 'string' && child.parent_span_id ? child.parent_span_id : root.spanId,
      name: stringOr(child.description, stringOr(child.op, '(unnamed span)')),
      service: stringOr(childData[SERVICE_KEY], service),
      kind: kindOf(childData, child.op),
      ...timing(child.start_timestamp, child.timestamp, what),
      attributes: {
        ...childData,
        ...childTags,
        ...(typeof child.op === 'string' ? { 'sentry.op': child.op } : {}),
      },
      native: { tags: childTags, data: childData },
      ...statusOf(child.status ?? tagStatus(childTags)),
    };
  });
  return [root, ...spans];
}
