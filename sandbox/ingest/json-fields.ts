/**
 * Small readers for the free-form JSON bags that Sentry, Rollbar and CloudWatch log lines carry. Apps put the
 * same fact under many spellings (`bakeoff.run_id` flat or `{bakeoff: {run_id}}` nested, `trace_id` or
 * `traceId` or `dd.trace_id`), so the decoders flatten once and then look keys up in one place.
 */

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value when it is a plain object, else an empty one (so callers can read fields without checks). */
export const objectOr = (v: unknown): JsonObject => (isObject(v) ? v : {});

export const stringOr = (v: unknown, fallback: string): string =>
  typeof v === 'string' && v !== '' ? v : fallback;

export const numberOrUndefined = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/**
 * Nested objects become dotted keys (`{bakeoff: {run_id: 'r'}}` → `{'bakeoff.run_id': 'r'}`); arrays and scalars
 * are kept as values. Keys that are already dotted stay as they are, so both spellings meet in one bag.
 * Depth is bounded because the bags come from the network.
 */
export function flattenJson(bag: JsonObject, maxDepth = 6): JsonObject {
  const out: JsonObject = {};
  const walk = (value: JsonObject, prefix: string, depth: number): void => {
    for (const [key, v] of Object.entries(value)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (isObject(v) && depth < maxDepth && Object.keys(v).length > 0) walk(v, name, depth + 1);
      else out[name] = v;
    }
  };
  walk(bag, '', 0);
  return out;
}

/** First non-empty string or number among `keys`, as a string. */
export function firstString(bag: JsonObject, keys: readonly string[]): string | null {
  for (const key of keys) {
    const v = bag[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

/** Trace id spellings seen in app logs and custom data: OTel, Datadog, X-Ray (Lambda and Powertools). */
const TRACE_ID_KEYS = [
  'trace_id',
  'traceId',
  'trace.id',
  'traceid',
  'otel.trace_id',
  'otelTraceID',
  'dd.trace_id',
  'AWS-XRAY-TRACE-ID',
  'xray_trace_id',
  'xray.trace_id',
  'aws.xray.trace_id',
] as const;

const SPAN_ID_KEYS = ['span_id', 'spanId', 'span.id', 'otel.span_id', 'otelSpanID', 'dd.span_id'] as const;

/** X-Ray headers arrive whole (`Root=1-…;Parent=…;Sampled=1`); keep only the trace id part. */
function xrayRoot(id: string): string {
  const root = /(?:^|;)\s*Root=([^;]+)/.exec(id);
  return root ? root[1] : id;
}

/** Trace and span ids from a flattened bag, whichever spelling the app used. */
export function traceIdsOf(flat: JsonObject): { traceId: string | null; spanId: string | null } {
  const traceId = firstString(flat, TRACE_ID_KEYS);
  return { traceId: traceId === null ? null : xrayRoot(traceId), spanId: firstString(flat, SPAN_ID_KEYS) };
}

/** RFC 3339 with any number of fraction digits; Sentry reads a missing zone as UTC. */
const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:[.,](\d+))?([Zz]|[+-]\d\d:?\d\d)?$/;

/**
 * Seconds (Sentry, Rollbar) or an RFC 3339 string → epoch milliseconds, the sub-millisecond part kept as a
 * fraction (sentry-python sends `…T10:00:00.123456Z`; Date.parse alone would drop the last three digits).
 * Null when unreadable.
 */
export function secondsToMs(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v * 1000;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n * 1000;
    const m = RFC3339.exec(v.trim());
    if (m) {
      const zone = !m[4] || /z/i.test(m[4]) ? 'Z' : m[4].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2');
      const whole = Date.parse(`${m[1]}T${m[2]}${zone}`);
      if (Number.isFinite(whole)) return whole + (m[3] ? Number(`0.${m[3]}`) * 1000 : 0);
    }
    const parsed = Date.parse(v);
    if (Number.isFinite(parsed)) return parsed;
  }
  return null;
}
