/**
 * The queues view's JSON API: `GET /api/queues` (every queue with its counts, redrive policy and dead-letter
 * sources) and `GET /api/queues/:name` (the same plus its messages: visible, in flight and delayed, with their
 * attributes, AWSTraceHeader included). Bodies and attribute values pass the sandbox's credential redaction
 * on the way out; the queue itself keeps what was sent, since the consumer must receive it unchanged.
 */
import express from 'express';
import { isSecretKey, REDACTED, redactText } from '../redact';
import type { LongPoll } from './long-poll';
import { queueArn, SANDBOX_ACCOUNT, settableWithDefaults } from './queue-attributes';
import { messageState, type QueueState, type SqsState, type StoredMessage } from './state';

/** A body longer than this is cut in the API (the queue keeps it whole). */
const SHOWN_BODY_CHARS = 16 * 1024;
const DEFAULT_MESSAGES = 200;
const MAX_MESSAGES = 10_000;

function summary(state: SqsState, longPoll: LongPoll, q: QueueState, now: number) {
  const counts = { visible: 0, inFlight: 0, delayed: 0 };
  for (const m of q.messages.values()) counts[messageState(m, now)]++;
  const redrive = q.config.redrive;
  return {
    name: q.name,
    arn: queueArn(q.name),
    path: `/${SANDBOX_ACCOUNT}/${q.name}`,
    createdAt: q.createdAt,
    messages: q.messages.size,
    ...counts,
    bytes: q.bytes,
    /** Messages handed out by receives since the sandbox started / of them, handed out again (a retry). */
    deliveries: q.deliveries,
    redeliveries: q.redeliveries,
    waitingReceives: longPoll.waiting(q.name),
    attributes: settableWithDefaults(q.attributes),
    redrive: redrive
      ? { deadLetterQueue: redrive.deadLetterQueue, maxReceiveCount: redrive.maxReceiveCount }
      : null,
    /** Queues whose redrive policy sends their failures here: this is their dead-letter queue. */
    deadLetterFor: [...state.queues.values()]
      .filter((other) => other.config.redrive?.deadLetterQueue === q.name)
      .map((other) => other.name),
  };
}

function shownMessage(m: StoredMessage, now: number) {
  const body = m.body.length > SHOWN_BODY_CHARS ? m.body.slice(0, SHOWN_BODY_CHARS) : m.body;
  const attributes: Record<string, { dataType: string; value: string }> = {};
  for (const [name, v] of Object.entries(m.attributes)) {
    const value =
      v.BinaryValue !== undefined
        ? `(binary, ${Buffer.from(v.BinaryValue, 'base64').length} bytes)`
        : (v.StringValue ?? '');
    attributes[name] = { dataType: v.DataType, value: isSecretKey(name) ? REDACTED : redactText(value) };
  }
  return {
    id: m.id,
    state: messageState(m, now),
    body: redactText(body),
    bodyTruncated: m.body.length > SHOWN_BODY_CHARS,
    size: m.size,
    attributes,
    systemAttributes: {
      SentTimestamp: m.sentAt,
      ApproximateReceiveCount: m.receiveCount,
      ...(m.firstReceiveAt !== undefined ? { ApproximateFirstReceiveTimestamp: m.firstReceiveAt } : {}),
      ...(m.traceHeader ? { AWSTraceHeader: m.traceHeader } : {}),
      ...(m.deadLetterSourceArn ? { DeadLetterQueueSourceArn: m.deadLetterSourceArn } : {}),
    },
    /** When it becomes (or became) visible: the end of its delay or of its visibility timeout. */
    visibleAt: m.visibleAt,
  };
}

export function queuesApiRouter(state: SqsState, longPoll: LongPoll): express.Router {
  const router = express.Router();
  router.get('/api/queues', (_req, res) => {
    const now = Date.now();
    res.json(
      [...state.queues.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((q) => summary(state, longPoll, q, now)),
    );
  });
  router.get('/api/queues/:name', (req, res) => {
    const q = state.queues.get(req.params.name);
    if (!q) {
      res.status(404).json({ error: `no queue named "${req.params.name}"` });
      return;
    }
    const rawLimit = req.query.limit;
    const limit = rawLimit === undefined ? DEFAULT_MESSAGES : Number(rawLimit);
    if (
      typeof rawLimit !== 'undefined' &&
      (typeof rawLimit !== 'string' || !/^\d+$/.test(rawLimit) || limit < 1 || limit > MAX_MESSAGES)
    ) {
      res.status(400).json({ error: `query parameter "limit" must be an integer from 1 to ${MAX_MESSAGES}` });
      return;
    }
    const now = Date.now();
    // Newest first: the UI shows what just happened at the top.
    const messages = [...q.messages.values()]
      .slice(-limit)
      .reverse()
      .map((m) => shownMessage(m, now));
    res.json({ ...summary(state, longPoll, q, now), shown: messages.length, messageList: messages });
  });
  return router;
}
