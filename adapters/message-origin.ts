/**
 * For vendors with no trace to continue across a queue (Rollbar, CloudWatch Logs): the originating request's
 * run id, sequence number and any trace ids it was seen with travel in one message attribute, and the worker's
 * errors and log lines carry them, so a worker failure can be found from the request that caused it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import type { AttributeValue, ConsumedMessage } from './types';

/** The message attribute: a JSON object of string ids. */
export const ORIGIN_ATTRIBUTE = 'bakeoff-origin';

/** The request keys that travel: bakeoff's correlation ids, and every tracer's trace id (`trace_id`, `xray_trace_id`, …). */
const TRAVELS = /^(bakeoff\.run_id|bakeoff\.seq|.*trace_id)$/;
/** An attribute of at most this many characters; SQS allows 256 KiB per message, but ids are short. */
const MAX_ORIGIN_CHARS = 1024;

export class MessageOrigin {
  private readonly request = new AsyncLocalStorage<Record<string, string>>();
  private readonly consumed = new AsyncLocalStorage<Record<string, AttributeValue>>();

  /** Mounted before the routes: a place for this request's ids. */
  requestHandler(): RequestHandler {
    return (_req, _res, next) => this.request.run({}, next);
  }

  /** Keeps the ids that travel (the facade's `bakeoff.run_id`/`bakeoff.seq` annotations, trace-id fields). */
  remember(fields: Readonly<Record<string, unknown>> | undefined): void {
    const ids = this.request.getStore();
    if (!ids || !fields) return;
    for (const [key, value] of Object.entries(fields)) {
      if (TRAVELS.test(key) && (typeof value === 'string' || typeof value === 'number'))
        ids[key] = String(value);
    }
  }

  inject(carrier: Record<string, string>): void {
    const ids = this.request.getStore();
    if (!ids || Object.keys(ids).length === 0) return;
    const json = JSON.stringify(ids);
    if (json.length <= MAX_ORIGIN_CHARS) carrier[ORIGIN_ATTRIBUTE] = json;
  }

  /** Runs the worker's handling of a message with the origin's ids (and the message's own) as context. */
  consume<T>(
    carrier: Readonly<Record<string, string>>,
    message: ConsumedMessage,
    fn: () => Promise<T>,
  ): Promise<T> {
    const context: Record<string, AttributeValue> = {
      // The app sends the run id and seq as attributes of their own; ours adds the request's trace ids.
      ...pick(carrier, ['bakeoff.run_id', 'bakeoff.seq']),
      ...parseOrigin(carrier[ORIGIN_ATTRIBUTE]),
      'messaging.destination.name': message.queue,
      'messaging.message.id': message.messageId,
      'messaging.message.delivery_count': message.receiveCount,
    };
    return this.consumed.run(context, fn);
  }

  /**
   * What the worker's error or log line gains: the originating request's ids, under the keys the sandbox and
   * the vendors' searches already use. The line's own values win (a worker may have a trace of its own).
   */
  stamp<T>(fields: Readonly<Record<string, T>> | undefined): Record<string, T | AttributeValue> | undefined {
    const context = this.consumed.getStore();
    if (!context) return fields;
    return { ...context, ...fields };
  }
}

function pick(carrier: Readonly<Record<string, string>>, keys: string[]): Record<string, AttributeValue> {
  const ids: Record<string, AttributeValue> = {};
  for (const key of keys) if (carrier[key] !== undefined) ids[key] = idValue(key, carrier[key]);
  return ids;
}

/** `bakeoff.seq` is a number wherever the sandbox and the vendors' searches read it. */
function idValue(key: string, value: string): AttributeValue {
  return key === 'bakeoff.seq' && /^\d+$/.test(value) ? Number(value) : value;
}

function parseOrigin(json: string | undefined): Record<string, AttributeValue> {
  if (!json) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const ids: Record<string, AttributeValue> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (!TRAVELS.test(key) || typeof value !== 'string') continue;
      ids[key] = idValue(key, value);
    }
    return ids;
  } catch {
    return {}; // Not ours, or damaged in transit: the worker's lines simply carry no origin.
  }
}
