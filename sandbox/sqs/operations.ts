/**
 * The SQS operations the emulator answers, request JSON in, response JSON out, shaped as the AWS SDK v3
 * client (JSON 1.0 protocol) reads them. Queue URLs are `http://<host the client reached>/<account>/<name>`;
 * an operation on a queue finds it by the URL's path, so `http://sandbox:4400/…` and `http://127.0.0.1:4400/…`
 * name the same queue.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html
 */
import type { JsonObject } from '../ingest/json-fields';
import { invalidParameter, missingParameter, queueDoesNotExist, SqsError } from './errors';
import type { LongPoll } from './long-poll';
import { type MessageAttributeValue, md5OfAttributes } from './md5';
import { checkBody, checkMessageAttributes, checkSystemAttributes, messageSize } from './message-input';
import { READABLE_ATTRIBUTES, SANDBOX_ACCOUNT, queueArn, settableWithDefaults } from './queue-attributes';
import { messageState, type SqsState, type StoredMessage } from './state';

export interface CallContext {
  state: SqsState;
  longPoll: LongPoll;
  /** `http://host:port` as the client reached the sandbox: the base of the queue URLs returned. */
  origin: string;
  /** The sender's `X-Amzn-Trace-Id` header: SQS keeps it as the message's AWSTraceHeader. */
  traceHeader?: string;
  /** Runs `fn` if the client goes away before the answer (a long poll it gave up on). */
  onAbort(fn: () => void): void;
}

export type Operation = (req: JsonObject, ctx: CallContext) => JsonObject | Promise<JsonObject>;

const MAX_BATCH = 10;
const MAX_BATCH_BYTES = 262_144;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

export const queueUrl = (origin: string, name: string) => `${origin}/${SANDBOX_ACCOUNT}/${name}`;

/** The queue a `QueueUrl` names: its path is `/<account>/<name>`, whatever host the client used. */
function queueName(req: JsonObject, state: SqsState): string {
  const raw = req.QueueUrl;
  if (raw === undefined || raw === null || raw === '') throw missingParameter('QueueUrl');
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new SqsError('InvalidAddress', `The address ${String(raw)} is not valid for this endpoint.`);
  }
  const [account, name, ...rest] = url.pathname.split('/').filter(Boolean);
  if (account !== SANDBOX_ACCOUNT || !name || rest.length > 0) throw queueDoesNotExist();
  state.queue(name);
  return name;
}

function integer(req: JsonObject, name: string, min: number, max: number): number | undefined {
  const v = req[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidParameter(name, v, `Must be between ${min} and ${max}, if provided.`);
  }
  return v;
}

function stringList(req: JsonObject, name: string): string[] {
  const v = req[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new SqsError('SerializationException', `${name} must be a list of strings`);
  }
  return v as string[];
}

function checkBatch(entries: unknown, what: string): JsonObject[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new SqsError('EmptyBatchRequest', `There should be at least one ${what} in the request.`);
  }
  if (entries.length > MAX_BATCH) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const e of entries as JsonObject[]) {
    const id = typeof e === 'object' && e !== null ? e.Id : undefined;
    if (typeof id !== 'string' || !BATCH_ID.test(id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return entries as JsonObject[];
}

/** Runs `fn` per entry; an SqsError becomes that entry's failure, as SQS reports batch entries. */
function perEntry(entries: JsonObject[], fn: (e: JsonObject) => JsonObject): JsonObject {
  const Successful: JsonObject[] = [];
  const Failed: JsonObject[] = [];
  for (const e of entries) {
    try {
      Successful.push({ Id: e.Id, ...fn(e) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      Failed.push({ Id: e.Id, SenderFault: err.status < 500, Code: err.code, Message: err.message });
    }
  }
  return { Successful, Failed };
}

function sendOne(name: string, e: JsonObject, ctx: CallContext): JsonObject {
  const body = checkBody(e.MessageBody);
  const attributes = checkMessageAttributes(e.MessageAttributes);
  const system = checkSystemAttributes(e.MessageSystemAttributes);
  const m = ctx.state.send(name, {
    body,
    attributes,
    traceHeader: system.AWSTraceHeader?.StringValue ?? ctx.traceHeader,
    delaySeconds: integer(e, 'DelaySeconds', 0, 900),
  });
  return {
    MessageId: m.id,
    MD5OfMessageBody: m.md5OfBody,
    ...(m.md5OfAttributes ? { MD5OfMessageAttributes: m.md5OfAttributes } : {}),
    ...(m.md5OfSystemAttributes ? { MD5OfMessageSystemAttributes: m.md5OfSystemAttributes } : {}),
  };
}

function systemAttributes(m: StoredMessage, wanted: Set<string>): Record<string, string> {
  const all = wanted.has('All');
  const values: Record<(typeof SYSTEM_ATTRIBUTES)[number], string | undefined> = {
    SenderId: SANDBOX_ACCOUNT,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: m.firstReceiveAt === undefined ? undefined : String(m.firstReceiveAt),
    AWSTraceHeader: m.traceHeader,
    DeadLetterQueueSourceArn: m.deadLetterSourceArn,
  };
  const out: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTES) {
    const v = values[name];
    if (v !== undefined && (all || wanted.has(name))) out[name] = v;
  }
  return out;
}

/** `All`, `.*`, `prefix.*` or exact names, as MessageAttributeNames takes them. */
function messageAttributes(m: StoredMessage, wanted: string[]): Record<string, MessageAttributeValue> {
  const match = (name: string) =>
    wanted.some((w) =>
      w === 'All' || w === '.*' ? true : w.endsWith('.*') ? name.startsWith(w.slice(0, -1)) : w === name,
    );
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(m.attributes)) if (match(name)) out[name] = v;
  return out;
}

function queueAttributes(ctx: CallContext, name: string, wanted: string[]): Record<string, string> {
  for (const w of wanted) {
    if (w !== 'All' && !READABLE_ATTRIBUTES.has(w))
      throw new SqsError('InvalidAttributeName', `Unknown Attribute ${w}.`);
  }
  const q = ctx.state.queue(name);
  const now = Date.now();
  const counts = { visible: 0, inFlight: 0, delayed: 0 };
  for (const m of q.messages.values()) counts[messageState(m, now)]++;
  const all: Record<string, string> = {
    ...settableWithDefaults(q.attributes),
    QueueArn: queueArn(name),
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(q.modifiedAt / 1000)),
  };
  if (wanted.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const w of wanted) if (all[w] !== undefined) out[w] = all[w];
  return out;
}

export const OPERATIONS: Record<string, Operation> = {
  CreateQueue: (req, ctx) => {
    const q = ctx.state.createQueue(req.QueueName, req.Attributes);
    return { QueueUrl: queueUrl(ctx.origin, q.name) };
  },

  GetQueueUrl: (req, ctx) => {
    if (typeof req.QueueName !== 'string' || req.QueueName === '') throw missingParameter('QueueName');
    if (req.QueueOwnerAWSAccountId !== undefined && req.QueueOwnerAWSAccountId !== SANDBOX_ACCOUNT)
      throw queueDoesNotExist();
    return { QueueUrl: queueUrl(ctx.origin, ctx.state.queue(req.QueueName).name) };
  },

  ListQueues: (req, ctx) => {
    const prefix = typeof req.QueueNamePrefix === 'string' ? req.QueueNamePrefix : '';
    const max = integer(req, 'MaxResults', 1, 1000) ?? 1000;
    const start = req.NextToken === undefined ? 0 : Number(req.NextToken);
    if (!Number.isInteger(start) || start < 0)
      throw invalidParameter('NextToken', req.NextToken, 'Invalid NextToken.');
    const names = [...ctx.state.queues.keys()].filter((n) => n.startsWith(prefix)).sort();
    const page = names.slice(start, start + max);
    return {
      QueueUrls: page.map((n) => queueUrl(ctx.origin, n)),
      ...(req.MaxResults !== undefined && start + max < names.length
        ? { NextToken: String(start + max) }
        : {}),
    };
  },

  DeleteQueue: (req, ctx) => {
    ctx.state.deleteQueue(queueName(req, ctx.state));
    return {};
  },

  PurgeQueue: (req, ctx) => {
    ctx.state.purge(queueName(req, ctx.state));
    return {};
  },

  GetQueueAttributes: (req, ctx) => {
    const name = queueName(req, ctx.state);
    return { Attributes: queueAttributes(ctx, name, stringList(req, 'AttributeNames')) };
  },

  SetQueueAttributes: (req, ctx) => {
    if (req.Attributes === undefined) throw missingParameter('Attributes');
    ctx.state.setAttributes(queueName(req, ctx.state), req.Attributes);
    return {};
  },

  SendMessage: (req, ctx) => sendOne(queueName(req, ctx.state), req, ctx),

  SendMessageBatch: (req, ctx) => {
    const name = queueName(req, ctx.state);
    const entries = checkBatch(req.Entries, 'SendMessageBatchRequestEntry');
    let total = 0;
    for (const e of entries) {
      if (typeof e.MessageBody === 'string') {
        total += messageSize(e.MessageBody, checkMessageAttributesLenient(e.MessageAttributes));
      }
    }
    if (total > MAX_BATCH_BYTES) {
      throw new SqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
      );
    }
    return perEntry(entries, (e) => sendOne(name, e, ctx));
  },

  ReceiveMessage: async (req, ctx) => {
    const name = queueName(req, ctx.state);
    const max = integer(req, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = integer(req, 'VisibilityTimeout', 0, 43_200);
    const wait = integer(req, 'WaitTimeSeconds', 0, 20) ?? ctx.state.queue(name).config.waitSeconds;
    const wantedSystem = new Set([
      ...stringList(req, 'AttributeNames'),
      ...stringList(req, 'MessageSystemAttributeNames'),
    ]);
    const wantedAttributes = stringList(req, 'MessageAttributeNames');
    const poll = ctx.longPoll.wait(name, wait * 1000, () => ctx.state.receive(name, max, visibility));
    ctx.onAbort(poll.cancel);
    const messages = await poll.messages;
    if (messages.length === 0) return {};
    return {
      Messages: messages.map((m) => {
        const attributes = systemAttributes(m, wantedSystem);
        const userAttributes = messageAttributes(m, wantedAttributes);
        const md5 = md5OfAttributes(userAttributes);
        return {
          MessageId: m.id,
          ReceiptHandle: ctx.state.receiptHandle(name, m),
          MD5OfBody: m.md5OfBody,
          Body: m.body,
          ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
          ...(md5 ? { MD5OfMessageAttributes: md5, MessageAttributes: userAttributes } : {}),
        };
      }),
    };
  },

  DeleteMessage: (req, ctx) => {
    ctx.state.deleteMessage(queueName(req, ctx.state), req.ReceiptHandle);
    return {};
  },

  DeleteMessageBatch: (req, ctx) => {
    const name = queueName(req, ctx.state);
    const entries = checkBatch(req.Entries, 'DeleteMessageBatchRequestEntry');
    return perEntry(entries, (e) => {
      ctx.state.deleteMessage(name, e.ReceiptHandle);
      return {};
    });
  },

  ChangeMessageVisibility: (req, ctx) => {
    const name = queueName(req, ctx.state);
    const timeout = integer(req, 'VisibilityTimeout', 0, 43_200);
    if (timeout === undefined) throw missingParameter('VisibilityTimeout');
    ctx.state.changeVisibility(name, req.ReceiptHandle, timeout);
    return {};
  },

  ChangeMessageVisibilityBatch: (req, ctx) => {
    const name = queueName(req, ctx.state);
    const entries = checkBatch(req.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    return perEntry(entries, (e) => {
      const timeout = integer(e, 'VisibilityTimeout', 0, 43_200);
      if (timeout === undefined) throw missingParameter('VisibilityTimeout');
      ctx.state.changeVisibility(name, e.ReceiptHandle, timeout);
      return {};
    });
  },
};

/** Attributes for the batch size check only: an entry with bad attributes fails on its own afterwards. */
function checkMessageAttributesLenient(input: unknown): Record<string, MessageAttributeValue> {
  try {
    return checkMessageAttributes(input);
  } catch {
    return {};
  }
}
