import { correlationOf } from '../correlation';
import type { LogRecord } from '../model';
import { isObject, type JsonObject, objectOr, secondsToMs, stringOr } from './json-fields';

/**
 * Sentry structured logs (`log` items, application/vnd.sentry.items.log+json): payload
 * `{items: [{timestamp, trace_id, level, body, attributes: {key: {type, value}}}]}` → LogRecords.
 */
export function logsFromItem(payload: JsonObject): LogRecord[] {
  const items = Array.isArray(payload.items) ? payload.items.filter(isObject) : [];
  return items.map((item) => {
    const attributes: JsonObject = {};
    for (const [key, v] of Object.entries(objectOr(item.attributes))) {
      attributes[key] = isObject(v) && 'value' in v ? v.value : v;
    }
    const spanId = attributes['sentry.trace.parent_span_id'] ?? item.span_id;
    return {
      vendor: 'sentry',
      timestamp: secondsToMs(item.timestamp) ?? Date.now(),
      level: stringOr(item.level, 'info'),
      message: stringOr(item.body, ''),
      traceId: typeof item.trace_id === 'string' ? item.trace_id : null,
      spanId: typeof spanId === 'string' ? spanId : null,
      ...correlationOf(attributes),
      group: null,
      stream: null,
      attributes,
    };
  });
}
