/**
 * The SQS emulator's queues and messages. Every change is an `SqsEntry`: written to the journal first (when the
 * sandbox has `--data`), then applied by `apply`, the one place that changes state — the same function replays
 * the journal at start, so memory after a restart is memory before it.
 *
 * A message is *delayed* (never received, not yet visible), *visible*, or *in flight* (received, hidden until
 * its visibility timeout ends); all three follow from `visibleAt` and `receiveCount`, so nothing has to run
 * when a timeout ends. Memory is bounded: at most `maxQueues` queues, `maxMessagesPerQueue` messages in each
 * and `maxBytes` of messages in all; a send past a cap gets SQS's `OverLimit` (403).
 */
import { randomUUID } from 'node:crypto';
import { SqsError, queueDoesNotExist, invalidParameter } from './errors';
import { type MessageAttributeValue, md5Hex, md5OfAttributes } from './md5';
import { messageSize } from './message-input';
import {
  checkAttributes,
  defaultAttribute,
  type QueueConfig,
  queueArn,
  queueConfig,
} from './queue-attributes';

export interface StoredMessage {
  id: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, MessageAttributeValue>;
  md5OfAttributes?: string;
  /** The AWSTraceHeader system attribute: the sender's, or its X-Amzn-Trace-Id header. */
  traceHeader?: string;
  md5OfSystemAttributes?: string;
  /** Set on a message moved to a dead-letter queue: the ARN of the queue it came from. */
  deadLetterSourceArn?: string;
  /** Body + user attributes, as counted against MaximumMessageSize and the memory cap. */
  size: number;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Nonce of the latest receive: only the latest receipt handle deletes the message, as in SQS. */
  receipt?: string;
}

export interface QueueState {
  name: string;
  createdAt: number;
  modifiedAt: number;
  /** The settable attributes as given (strings), defaults not filled in. */
  attributes: Record<string, string>;
  config: QueueConfig;
  /** Insertion order is send order: receives scan oldest first (standard queues promise no order). */
  messages: Map<string, StoredMessage>;
  bytes: number;
  /**
   * Messages handed out by receives since the sandbox started, and those of them handed out again (receive count
   * above 1): what a consumer's failures cost, readable after the messages are gone (compare's retry figure).
   * Not persisted: a restart starts them at 0.
   */
  deliveries: number;
  redeliveries: number;
}

export type SqsEntry =
  | { op: 'queue'; name: string; createdAt: number; modifiedAt: number; attributes: Record<string, string> }
  | { op: 'dropQueue'; name: string }
  | { op: 'message'; queue: string; message: StoredMessage }
  | {
      op: 'receive';
      queue: string;
      id: string;
      visibleAt: number;
      receiveCount: number;
      firstReceiveAt: number;
      receipt: string;
    }
  | { op: 'visibility'; queue: string; id: string; visibleAt: number }
  | { op: 'delete'; queue: string; id: string }
  | { op: 'purge'; queue: string };

export interface SqsJournal {
  append(entries: SqsEntry[]): void;
}

export interface SqsCaps {
  maxQueues: number;
  maxMessagesPerQueue: number;
  /** Bodies and attributes of every message held, in bytes. */
  maxBytes: number;
}

export const DEFAULT_SQS_CAPS: Readonly<SqsCaps> = Object.freeze({
  maxQueues: 1000,
  maxMessagesPerQueue: 10_000,
  maxBytes: 64 * 1024 * 1024,
});

export type MessageState = 'visible' | 'inFlight' | 'delayed';

export const messageState = (m: StoredMessage, now: number): MessageState =>
  m.visibleAt <= now ? 'visible' : m.receiveCount > 0 ? 'inFlight' : 'delayed';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export interface SendInput {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  traceHeader?: string;
  delaySeconds?: number;
}

function encodeReceipt(queue: string, id: string, nonce: string): string {
  return Buffer.from(JSON.stringify([queue, id, nonce]), 'utf8').toString('base64url');
}

/** The receipt `handle` decoded, which must belong to queue `name`. */
function receiptOf(name: string, handle: unknown): { id: string; nonce: string } {
  const { queue, id, nonce } = decodeReceipt(handle);
  if (queue !== name)
    throw new SqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
    );
  return { id, nonce };
}

function decodeReceipt(handle: unknown): { queue: string; id: string; nonce: string } {
  if (typeof handle !== 'string' || handle === '') {
    throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
  }
  try {
    const [queue, id, nonce] = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8')) as unknown[];
    if (typeof queue === 'string' && typeof id === 'string' && typeof nonce === 'string')
      return { queue, id, nonce };
  } catch {
    // falls through to the SQS error below
  }
  throw new SqsError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );
}

export class SqsState {
  readonly queues = new Map<string, QueueState>();
  private totalBytes = 0;
  private readonly listeners = new Set<(queue: string) => void>();

  constructor(
    readonly caps: SqsCaps = DEFAULT_SQS_CAPS,
    private journal: SqsJournal | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Attaches the journal after a replay (replayed entries are not written again). */
  setJournal(journal: SqsJournal | null): void {
    this.journal = journal;
  }

  /** Called with a queue's name after anything that may have made one of its messages visible. */
  onChange(listener: (queue: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get bytes(): number {
    return this.totalBytes;
  }

  queue(name: string): QueueState {
    const q = this.queues.get(name);
    if (!q) throw queueDoesNotExist();
    return q;
  }

  createQueue(name: unknown, rawAttributes: unknown): QueueState {
    if (typeof name !== 'string' || name === '')
      throw new SqsError('MissingParameter', 'The request must contain the parameter QueueName.');
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameter(
        'QueueName',
        name,
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const attributes = checkAttributes(rawAttributes);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if (
          existing.attributes[k] !== v &&
          !(existing.attributes[k] === undefined && defaultAttribute(k) === v)
        ) {
          throw new SqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
        }
      }
      return existing;
    }
    if (this.queues.size >= this.caps.maxQueues) {
      throw new SqsError('OverLimit', `The sandbox holds at most ${this.caps.maxQueues} queues.`);
    }
    this.checkRedriveTarget(name, attributes);
    const now = this.now();
    this.commit([{ op: 'queue', name, createdAt: now, modifiedAt: now, attributes }]);
    return this.queue(name);
  }

  setAttributes(name: string, rawAttributes: unknown): void {
    const q = this.queue(name);
    const attributes = { ...q.attributes, ...checkAttributes(rawAttributes) };
    // An empty RedrivePolicy removes it, as in SQS.
    if (attributes.RedrivePolicy === '') delete attributes.RedrivePolicy;
    this.checkRedriveTarget(name, attributes);
    this.commit([{ op: 'queue', name, createdAt: q.createdAt, modifiedAt: this.now(), attributes }]);
  }

  deleteQueue(name: string): void {
    this.queue(name);
    this.commit([{ op: 'dropQueue', name }]);
  }

  purge(name: string): void {
    this.queue(name);
    this.commit([{ op: 'purge', queue: name }]);
  }

  send(name: string, input: SendInput): StoredMessage {
    const q = this.queue(name);
    const size = messageSize(input.body, input.attributes);
    if (size > q.config.maximumMessageSize) {
      throw new SqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${q.config.maximumMessageSize} bytes.`,
      );
    }
    if (q.messages.size >= this.caps.maxMessagesPerQueue) {
      throw new SqsError(
        'OverLimit',
        `The sandbox holds at most ${this.caps.maxMessagesPerQueue} messages per queue; ${name} is full.`,
      );
    }
    if (this.totalBytes + size > this.caps.maxBytes) {
      throw new SqsError(
        'OverLimit',
        `The sandbox holds at most ${this.caps.maxBytes} bytes of messages; receive or delete some first.`,
      );
    }
    const now = this.now();
    const delay = input.delaySeconds ?? q.config.delaySeconds;
    const system: Record<string, MessageAttributeValue> = input.traceHeader
      ? { AWSTraceHeader: { DataType: 'String', StringValue: input.traceHeader } }
      : {};
    const message: StoredMessage = {
      id: randomUUID(),
      body: input.body,
      md5OfBody: md5Hex(input.body),
      attributes: input.attributes,
      ...optional('md5OfAttributes', md5OfAttributes(input.attributes)),
      ...optional('traceHeader', input.traceHeader),
      ...optional('md5OfSystemAttributes', md5OfAttributes(system)),
      size,
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
    this.commit([{ op: 'message', queue: name, message }]);
    return message;
  }

  /**
   * Takes up to `max` visible messages and hides them for `visibilityTimeout` seconds. A message received
   * `maxReceiveCount` times already goes to the dead-letter queue instead, and one past its retention period
   * is dropped, as SQS does on its way.
   */
  receive(name: string, max: number, visibilityTimeout?: number): StoredMessage[] {
    const q = this.queue(name);
    const now = this.now();
    const hideFor = (visibilityTimeout ?? q.config.visibilityTimeout) * 1000;
    const redrive =
      q.config.redrive && this.queues.has(q.config.redrive.deadLetterQueue) ? q.config.redrive : undefined;
    const entries: SqsEntry[] = [];
    const taken: string[] = [];
    for (const m of q.messages.values()) {
      if (taken.length >= max) break;
      if (m.visibleAt > now) continue;
      if (m.sentAt + q.config.retentionSeconds * 1000 <= now) {
        entries.push({ op: 'delete', queue: name, id: m.id });
      } else if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        entries.push(
          { op: 'delete', queue: name, id: m.id },
          {
            op: 'message',
            queue: redrive.deadLetterQueue,
            message: { ...m, visibleAt: now, receipt: undefined, deadLetterSourceArn: queueArn(name) },
          },
        );
      } else {
        taken.push(m.id);
        entries.push({
          op: 'receive',
          queue: name,
          id: m.id,
          visibleAt: now + hideFor,
          receiveCount: m.receiveCount + 1,
          firstReceiveAt: m.firstReceiveAt ?? now,
          receipt: randomUUID(),
        });
      }
    }
    if (entries.length > 0) this.commit(entries);
    const handedOut = taken.map((id) => q.messages.get(id) as StoredMessage);
    q.deliveries += handedOut.length;
    q.redeliveries += handedOut.filter((m) => m.receiveCount > 1).length;
    return handedOut;
  }

  receiptHandle(queue: string, m: StoredMessage): string {
    return encodeReceipt(queue, m.id, m.receipt ?? '');
  }

  /** Deletes the message if `handle` is its latest receipt; an older handle or a gone message succeeds quietly, as in SQS. */
  deleteMessage(name: string, handle: unknown): void {
    const q = this.queue(name);
    const { id, nonce } = receiptOf(name, handle);
    const m = q.messages.get(id);
    if (m && m.receipt === nonce) this.commit([{ op: 'delete', queue: name, id }]);
  }

  changeVisibility(name: string, handle: unknown, timeout: number): void {
    const q = this.queue(name);
    const { id, nonce } = receiptOf(name, handle);
    const m = q.messages.get(id);
    if (!m || m.receipt !== nonce) {
      throw invalidParameter(
        'ReceiptHandle',
        handle,
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    const now = this.now();
    if (m.visibleAt <= now) {
      throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
    }
    this.commit([{ op: 'visibility', queue: name, id, visibleAt: now + timeout * 1000 }]);
  }

  /** When the next hidden message of a queue becomes visible, if any is hidden. */
  nextVisibleAt(name: string): number | undefined {
    const q = this.queues.get(name);
    if (!q) return undefined;
    const now = this.now();
    let next: number | undefined;
    for (const m of q.messages.values()) {
      if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    }
    return next;
  }

  /** Journal first, then memory: an entry the journal refused is not applied. */
  private commit(entries: SqsEntry[]): void {
    this.journal?.append(entries);
    const touched = new Set<string>();
    for (const e of entries) touched.add(this.apply(e));
    for (const queue of touched) for (const listener of this.listeners) listener(queue);
  }

  /** Applies one entry (live or replayed); returns the queue it touched. Unknown queues and messages are skipped. */
  apply(e: SqsEntry): string {
    switch (e.op) {
      case 'queue': {
        const existing = this.queues.get(e.name);
        const config = queueConfig(e.attributes);
        if (existing) Object.assign(existing, { attributes: e.attributes, config, modifiedAt: e.modifiedAt });
        else {
          this.queues.set(e.name, {
            name: e.name,
            createdAt: e.createdAt,
            modifiedAt: e.modifiedAt,
            attributes: e.attributes,
            config,
            messages: new Map(),
            bytes: 0,
            deliveries: 0,
            redeliveries: 0,
          });
        }
        return e.name;
      }
      case 'dropQueue':
        this.totalBytes -= this.queues.get(e.name)?.bytes ?? 0;
        this.queues.delete(e.name);
        return e.name;
      case 'message': {
        const q = this.queues.get(e.queue);
        if (q) {
          this.removeMessage(q, e.message.id);
          q.messages.set(e.message.id, e.message);
          q.bytes += e.message.size;
          this.totalBytes += e.message.size;
        }
        return e.queue;
      }
      case 'receive': {
        const m = this.queues.get(e.queue)?.messages.get(e.id);
        if (m)
          Object.assign(m, {
            visibleAt: e.visibleAt,
            receiveCount: e.receiveCount,
            firstReceiveAt: e.firstReceiveAt,
            receipt: e.receipt,
          });
        return e.queue;
      }
      case 'visibility': {
        const m = this.queues.get(e.queue)?.messages.get(e.id);
        if (m) m.visibleAt = e.visibleAt;
        return e.queue;
      }
      case 'delete': {
        const q = this.queues.get(e.queue);
        if (q) this.removeMessage(q, e.id);
        return e.queue;
      }
      case 'purge': {
        const q = this.queues.get(e.queue);
        if (q) {
          this.totalBytes -= q.bytes;
          q.bytes = 0;
          q.messages.clear();
        }
        return e.queue;
      }
    }
  }

  /** Every queue and message as entries: what a compacted journal holds. */
  *snapshot(): Generator<SqsEntry> {
    for (const q of this.queues.values()) {
      yield {
        op: 'queue',
        name: q.name,
        createdAt: q.createdAt,
        modifiedAt: q.modifiedAt,
        attributes: q.attributes,
      };
      for (const message of q.messages.values()) yield { op: 'message', queue: q.name, message };
    }
  }

  get messageCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.messages.size;
    return n;
  }

  private removeMessage(q: QueueState, id: string): void {
    const old = q.messages.get(id);
    if (!old) return;
    q.messages.delete(id);
    q.bytes -= old.size;
    this.totalBytes -= old.size;
  }

  private checkRedriveTarget(name: string, attributes: Record<string, string>): void {
    const redrive = queueConfig(attributes).redrive;
    if (!redrive) return;
    if (redrive.deadLetterQueue === name || !this.queues.has(redrive.deadLetterQueue)) {
      throw new SqsError(
        'InvalidParameterValue',
        `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    }
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
