import { correlationOf } from '../correlation';
import { type ErrorRecord, emptyBatch, type IngestBatch, type StackFrame } from '../model';
import {
  flattenJson,
  isObject,
  type JsonObject,
  numberOrUndefined,
  objectOr,
  secondsToMs,
  stringOr,
  traceIdsOf,
} from './json-fields';

/**
 * A Rollbar item (`{data: {...}}` of POST /api/1/item/) → an ErrorRecord, or a LogRecord for an info/debug
 * message. https://docs.rollbar.com/reference/create-item
 */

/** Message items at these levels are surfaced as errors; Rollbar groups them with exceptions in the UI too. */
const ERROR_LEVELS = new Set(['critical', 'error', 'warning']);

/**
 * Fields rollbar.js 3 copies from `custom` to the top of `data` as well; reading `data` for correlation catches
 * apps that pass the extra argument as a plain object, read back under either spelling.
 */
const DATA_FIELDS = new Set([
  'timestamp',
  'environment',
  'level',
  'language',
  'framework',
  'uuid',
  'notifier',
  'custom',
  'attributes',
  'server',
  'body',
  'context',
  'request',
  'person',
  'platform',
  'code_version',
  'client',
  'fingerprint',
  'title',
]);

/** Rollbar lists frames oldest call first; the sandbox keeps them innermost first, as V8 prints a stack. */
function framesOf(trace: JsonObject): StackFrame[] {
  const frames = Array.isArray(trace.frames) ? trace.frames.filter(isObject) : [];
  return frames
    .map((f) => ({
      function: typeof f.method === 'string' ? f.method : undefined,
      file: typeof f.filename === 'string' ? f.filename : undefined,
      line: numberOrUndefined(f.lineno),
      column: numberOrUndefined(f.colno),
    }))
    .reverse();
}

/** `data.attributes` in rollbar.js 3 is a list of `{key, value}` (session_id, span_id, …). */
function attributeList(raw: unknown): JsonObject {
  const out: JsonObject = {};
  if (!Array.isArray(raw)) return out;
  for (const entry of raw) {
    if (isObject(entry) && typeof entry.key === 'string') out[entry.key] = entry.value;
  }
  return out;
}

/** What every item carries whatever its kind: correlation, trace ids, custom data and the native bags. */
function itemFacts(data: JsonObject) {
  const custom = objectOr(data.custom);
  const extraData: JsonObject = {};
  for (const [key, v] of Object.entries(data)) if (!DATA_FIELDS.has(key)) extraData[key] = v;
  const listed = attributeList(data.attributes);
  const flatCustom = flattenJson(custom);
  const flatExtra = flattenJson(extraData);
  const ids = traceIdsOf({ ...listed, ...flatExtra, ...flatCustom });
  const attributes: JsonObject = { ...flatExtra, ...flatCustom };
  if (typeof data.environment === 'string') attributes.environment = data.environment;
  // The sender's release (rollbar.js `codeVersion`), which the sandbox files as the record's `release`.
  if (typeof data.code_version === 'string') attributes.code_version = data.code_version;
  if (typeof data.context === 'string' && data.context !== '') attributes.context = data.context;
  return {
    level: stringOr(data.level, 'error'),
    timestamp: secondsToMs(data.timestamp) ?? Date.now(),
    traceId: ids.traceId,
    spanId: ids.spanId,
    ...correlationOf(flatCustom, flatExtra, listed),
    attributes,
    native: {
      custom,
      request: objectOr(data.request),
      person: objectOr(data.person),
      server: objectOr(data.server),
      attributes: listed,
    },
  };
}

/** The trace chain of an exception item: `trace_chain[0]` is the outermost error, the rest its causes. */
function chainOf(body: JsonObject): JsonObject[] {
  return (
    Array.isArray(body.trace_chain) ? body.trace_chain : isObject(body.trace) ? [body.trace] : []
  ).filter(isObject);
}

/**
 * One item → what the sandbox stores: exceptions and warning-or-worse messages are errors; info and debug
 * messages, which Rollbar lists as items of their level, are kept as log lines (so they are shown, with their
 * native bags, without counting as errors). Items with neither a trace nor a message body give nothing.
 */
export function itemToBatch(data: JsonObject): IngestBatch {
  const batch = emptyBatch();
  const body = objectOr(data.body);
  const level = stringOr(data.level, 'error');
  const chain = chainOf(body);
  const message = objectOr(body.message);
  if (chain.length === 0 && !isObject(body.message)) return batch;
  if (chain.length === 0 && !ERROR_LEVELS.has(level)) {
    const { attributes, ...facts } = itemFacts(data);
    batch.logs.push({
      vendor: 'rollbar',
      ...facts,
      message: stringOr(message.body, ''),
      group: null,
      stream: null,
      attributes,
    });
    return batch;
  }
  batch.errors.push(errorFromItem(data, chain));
  return batch;
}

function errorFromItem(data: JsonObject, chain: JsonObject[]): ErrorRecord {
  const facts = itemFacts(data);
  if (chain.length > 1) {
    facts.attributes['exception.causes'] = chain.slice(1).map((t) => {
      const e = objectOr(t.exception);
      return `${stringOr(e.class, 'Error')}: ${stringOr(e.message, '')}`;
    });
  }
  const primary = chain[0];
  const exception = objectOr(primary?.exception);
  return {
    vendor: 'rollbar',
    ...facts,
    type: primary ? stringOr(exception.class, 'Error') : 'message',
    message: primary
      ? stringOr(exception.message, stringOr(exception.description, ''))
      : stringOr(objectOr(objectOr(data.body).message).body, ''),
    frames: primary ? framesOf(primary) : [],
  };
}
