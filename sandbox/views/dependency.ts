/**
 * What a span says it called, read from each vendor's native shapes: OTel client spans with `db.*`,
 * `messaging.*`, `peer.service` and `server.address`/`url.full`; X-Ray subsegments in the `remote`/`aws` namespace
 * with an `sql`, `http` or `aws` block (and annotations spelled with `_`); Datadog `span.type`, `db.type`,
 * `out.host`; Sentry ops `db*`, `http.client`, `queue.*`. The service map draws one node per answer.
 */
import type { SpanRecord } from '../model';
import { keySpellings } from './attribute-key';

export type NodeKind = 'client' | 'service' | 'database' | 'queue' | 'http' | 'aws' | 'other';

export interface NodeRef {
  /** Stable across vendors for the same thing: `svc:users`, `db:sqlite`, `queue:orders`, `http:api.example.com`. */
  id: string;
  label: string;
  kind: NodeKind;
  /** For a database known only through one service's spans: that service. */
  owner?: string | null;
}

/** A text attribute under any of its vendor spellings (`db.system`, X-Ray's `db_system`), or null. */
export function textAttribute(span: SpanRecord, key: string): string | null {
  for (const k of keySpellings(key).keys) {
    const v = span.attributes[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return null;
}

const first = (span: SpanRecord, keys: readonly string[]) => {
  for (const key of keys) {
    const v = textAttribute(span, key);
    if (v !== null) return v;
  }
  return null;
};

const DATADOG_DB_TYPES = new Set([
  'sql',
  'db',
  'redis',
  'mongodb',
  'cassandra',
  'elasticsearch',
  'memcached',
]);
const QUEUE_SERVICES = /^(sqs|amazonsqs|aws\.sqs|sns|amazonsns)$/i;

/** Whether the span is a call out of its service (the caller's side of an edge). */
export function isOutbound(span: SpanRecord): boolean {
  if (span.kind === 'client' || span.kind === 'producer') return true;
  // X-Ray: the decoder maps remote/aws subsegments to client; an `sql` block says so even without a namespace.
  return span.native.sql !== undefined;
}

/** Whether the span receives from a queue (the consumer side of a queue edge). */
export function isQueueConsumer(span: SpanRecord): boolean {
  return span.kind === 'consumer' && queueOf(span) !== null;
}

/** `https://sqs.us-east-1.amazonaws.com/123/orders` → `orders`. */
const queueNameOf = (url: string): string | null => url.split(/[/?#]/).filter(Boolean).at(-1) ?? null;

function queueOf(span: SpanRecord): NodeRef | null {
  const system = first(span, ['messaging.system']);
  const awsService = first(span, ['aws.service', 'rpc.service', 'aws.service.name']);
  const op = first(span, ['sentry.op']) ?? '';
  const queueUrl = first(span, ['aws.queue_url', 'messaging.url', 'aws.sqs.queue_url', 'queue_url']);
  const isQueue =
    system !== null ||
    (awsService !== null && QUEUE_SERVICES.test(awsService)) ||
    op.startsWith('queue.') ||
    (queueUrl !== null && /sqs|queue/i.test(queueUrl));
  if (!isQueue) return null;
  const name =
    first(span, [
      'messaging.destination.name',
      'messaging.destination',
      'aws.queue.name',
      'queuename',
      'messaging.sqs.queue_name',
    ]) ??
    (queueUrl ? queueNameOf(queueUrl) : null) ??
    system ??
    'queue';
  return { id: `queue:${name}`, label: name, kind: 'queue' };
}

/**
 * A database is named by its system and, when the span says, its name or host; otherwise it is the caller's own
 * (an embedded SQLite file per service is two databases, not one shared node).
 */
function databaseOf(span: SpanRecord, caller: string): NodeRef | null {
  const system = first(span, ['db.system', 'db.system.name', 'db.type', 'sql.database_type']);
  const ddType = textAttribute(span, 'span.type');
  const op = textAttribute(span, 'sentry.op') ?? '';
  const isDb =
    system !== null ||
    span.native.sql !== undefined ||
    (ddType !== null && DATADOG_DB_TYPES.has(ddType)) ||
    op.startsWith('db');
  if (!isDb) return null;
  const kind = system ?? (ddType && DATADOG_DB_TYPES.has(ddType) && ddType !== 'sql' ? ddType : 'database');
  const name = first(span, ['db.name', 'db.namespace', 'db.instance']) ?? hostOf(span);
  const label = name && name !== kind ? `${kind} ${name}` : kind;
  return {
    id: `db:${label}${name ? '' : `@${caller}`}`,
    label,
    kind: 'database',
    owner: name ? null : caller,
  };
}

function hostOf(span: SpanRecord): string | null {
  const host = first(span, ['server.address', 'net.peer.name', 'out.host', 'http.host', 'url.domain']);
  const port = first(span, ['server.port', 'net.peer.port', 'network.destination.port']);
  if (host) return port ? `${host}:${port}` : host;
  const url = first(span, ['url.full', 'http.url', 'http.request.url']);
  if (!url) return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

/**
 * The node an outbound span (or one of the outbound spans nested in it, innermost last) calls. Queues first, then
 * databases, a named peer service, an AWS API, an HTTP host; the span name when nothing says more.
 */
export function dependencyOf(spans: readonly SpanRecord[], caller: string): NodeRef {
  for (const s of spans) {
    const ref = queueOf(s);
    if (ref) return ref;
  }
  for (const s of spans) {
    const ref = databaseOf(s, caller);
    if (ref) return ref;
  }
  for (const s of spans) {
    const peer = textAttribute(s, 'peer.service');
    if (peer) return serviceRef(peer);
  }
  for (const s of spans) {
    const aws = first(s, ['aws.service', 'rpc.service']);
    if (aws || textAttribute(s, 'xray.namespace') === 'aws') {
      const name = aws ?? s.name;
      return { id: `aws:${name}`, label: name, kind: 'aws' };
    }
  }
  for (const s of spans) {
    const host = hostOf(s);
    if (host) return { id: `http:${host}`, label: host, kind: 'http' };
  }
  const name = spans[0]?.name ?? 'unknown';
  return { id: `other:${name}`, label: name, kind: 'other' };
}

export const serviceRef = (name: string): NodeRef => ({ id: `svc:${name}`, label: name, kind: 'service' });
export const CLIENT_REF: NodeRef = { id: 'client', label: 'client', kind: 'client' };

/** The queue a consumer span read from. */
export const queueRefOf = (span: SpanRecord): NodeRef =>
  queueOf(span) ?? { id: 'queue:queue', label: 'queue', kind: 'queue' };
