import { correlationOf } from '../correlation';
import type { LogRecord } from '../model';
import { flattenJson, isObject, type JsonObject, traceIdsOf } from './json-fields';

/**
 * One CloudWatch log event → LogRecord. CloudWatch stores only `{timestamp, message}`; structure lives inside
 * the message. JSON messages (winston-cloudwatch's `jsonMessage`, pino, Powertools, Lambda JSON logs) are
 * flattened and read for level, text, trace ids and the bakeoff correlation keys. Other messages are kept as
 * text, with the level read from winston-cloudwatch's default `level - message` format.
 */

const LEVEL_KEYS = ['level', 'severity', 'levelname', 'log.level', 'status'] as const;
const MESSAGE_KEYS = ['message', 'msg', 'event'] as const;
const KNOWN_LEVELS = /^(error|warn|warning|info|http|verbose|debug|silly|trace|fatal|critical)$/i;
const WINSTON_DEFAULT = /^(\w+) - ([\s\S]*)$/;

function parseJsonObject(text: string): JsonObject | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function pick(flat: JsonObject, keys: readonly string[]): string | null {
  for (const key of keys) {
    const v = flat[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && key !== 'status') return String(v);
  }
  return null;
}

export function logFromEvent(
  event: { timestamp: number; message: string },
  group: string,
  stream: string,
): LogRecord {
  const base = { vendor: 'cloudwatch' as const, timestamp: event.timestamp, group, stream };
  const json = parseJsonObject(event.message);
  if (json) {
    const flat = flattenJson(json);
    const message = pick(flat, MESSAGE_KEYS);
    return {
      ...base,
      level: (pick(flat, LEVEL_KEYS) ?? 'info').toLowerCase(),
      message: message ?? event.message,
      ...traceIdsOf(flat),
      ...correlationOf(flat),
      attributes: flat,
    };
  }
  const winston = WINSTON_DEFAULT.exec(event.message);
  const known = winston !== null && KNOWN_LEVELS.test(winston[1]);
  return {
    ...base,
    level: known ? winston[1].toLowerCase() : 'info',
    message: known ? winston[2] : event.message,
    traceId: null,
    spanId: null,
    runId: null,
    seq: null,
    attributes: {},
  };
}
