import { correlationOf } from '../correlation';
import type { ErrorRecord, StackFrame } from '../model';
import {
  flattenJson,
  isObject,
  type JsonObject,
  numberOrUndefined,
  objectOr,
  secondsToMs,
  stringOr,
} from './json-fields';

/**
 * A Sentry error event (`event` item, or the body of the legacy /store/ endpoint) → ErrorRecord.
 * https://develop.sentry.dev/sdk/data-model/event-payloads/
 */

/**
 * Sentry lists stack frames oldest call first (the throwing frame last); the sandbox keeps frames the way a
 * V8 stack prints them, innermost first, like the other decoders.
 */
function framesOf(exception: JsonObject): StackFrame[] {
  const frames = objectOr(exception.stacktrace).frames;
  if (!Array.isArray(frames)) return [];
  return frames
    .filter(isObject)
    .map((f) => ({
      function: typeof f.function === 'string' ? f.function : undefined,
      file:
        typeof f.filename === 'string' ? f.filename : typeof f.abs_path === 'string' ? f.abs_path : undefined,
      line: numberOrUndefined(f.lineno),
      column: numberOrUndefined(f.colno),
    }))
    .reverse();
}

/**
 * What Sentry's issue (and transaction) detail shows besides tags and contexts: the HTTP `request`, the `user`
 * and the `breadcrumbs` that led up to the event. Breadcrumbs are `{values: [...]}` in current SDKs and a bare
 * array in old ones; both become `{values}`. Only present bags are returned.
 */
export function eventDetailBags(event: JsonObject): Record<string, JsonObject> {
  const bags: Record<string, JsonObject> = {};
  if (isObject(event.request)) bags.request = event.request;
  if (isObject(event.user)) bags.user = event.user;
  const crumbs = Array.isArray(event.breadcrumbs) ? event.breadcrumbs : objectOr(event.breadcrumbs).values;
  if (Array.isArray(crumbs) && crumbs.length > 0) bags.breadcrumbs = { values: crumbs.filter(isObject) };
  return bags;
}

/** The message of a message event: `logentry.formatted`, or `message` as a string or `{formatted}` object. */
function messageOf(event: JsonObject): string {
  const logentry = objectOr(event.logentry);
  if (typeof logentry.formatted === 'string') return logentry.formatted;
  if (typeof logentry.message === 'string') return logentry.message;
  if (typeof event.message === 'string') return event.message;
  const message = objectOr(event.message);
  return stringOr(message.formatted, stringOr(message.message, ''));
}

export function errorFromEvent(event: JsonObject): ErrorRecord {
  // Linked errors (`cause`) come first; the exception that was captured is the last value.
  const values = Array.isArray(objectOr(event.exception).values)
    ? (objectOr(event.exception).values as unknown[]).filter(isObject)
    : [];
  const primary = values[values.length - 1];
  const tags = objectOr(event.tags);
  const extra = objectOr(event.extra);
  const contexts = objectOr(event.contexts);
  const trace = objectOr(contexts.trace);
  const top: JsonObject = {};
  for (const key of ['server_name', 'release', 'environment', 'transaction', 'platform', 'logger'] as const) {
    if (typeof event[key] === 'string') top[key] = event[key];
  }
  const attributes = { ...top, ...flattenJson(extra), ...flattenJson(objectOr(trace.data)), ...tags };
  if (values.length > 1) {
    attributes['exception.causes'] = values
      .slice(0, -1)
      .reverse()
      .map((v) => `${stringOr(v.type, 'Error')}: ${stringOr(v.value, '')}`);
  }
  const { runId, seq } = correlationOf(tags, flattenJson(extra), objectOr(trace.data), flattenJson(contexts));
  return {
    vendor: 'sentry',
    type: primary ? stringOr(primary.type, 'Error') : 'message',
    message: primary ? stringOr(primary.value, '') : messageOf(event),
    frames: primary ? framesOf(primary) : [],
    level: stringOr(event.level, 'error'),
    timestamp: secondsToMs(event.timestamp) ?? Date.now(),
    traceId: typeof trace.trace_id === 'string' ? trace.trace_id : null,
    spanId: typeof trace.span_id === 'string' ? trace.span_id : null,
    runId,
    seq,
    attributes,
    native: { tags, extra, contexts, ...eventDetailBags(event) },
  };
}
