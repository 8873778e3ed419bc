/**
 * Queue attributes: the settable ones with SQS's ranges and defaults, parsed from the string map SQS takes and
 * returns (every value is a string on the wire, RedrivePolicy a JSON string inside it).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
import { SqsError } from './errors';

/** The account every sandbox queue belongs to, in its URL and ARN (LocalStack's choice too). */
export const SANDBOX_ACCOUNT = '000000000000';
export const SANDBOX_REGION = 'us-east-1';

export const queueArn = (name: string) => `arn:aws:sqs:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:${name}`;

const RANGES = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  // The classic 256 KiB limit: the sandbox does not take the larger payloads SQS accepts since 2025.
  MaximumMessageSize: { min: 1024, max: 262_144, default: 262_144 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
} as const;
type NumericAttribute = keyof typeof RANGES;

/** Accepted and returned as given, without effect in the sandbox. */
const OPAQUE = new Set([
  'Policy',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
]);

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  /** The dead-letter queue's name, taken from the ARN. */
  deadLetterQueue: string;
  maxReceiveCount: number;
}

export interface QueueConfig {
  delaySeconds: number;
  maximumMessageSize: number;
  retentionSeconds: number;
  waitSeconds: number;
  visibilityTimeout: number;
  redrive?: RedrivePolicy;
}

const invalidValue = (name: string, reason?: string) =>
  new SqsError(
    'InvalidAttributeValue',
    `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`,
  );

function integerIn(name: NumericAttribute, raw: string): number {
  const { min, max } = RANGES[name];
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidValue(name, `must be an integer from ${min} to ${max}`);
  }
  return n;
}

function parseRedrivePolicy(raw: string): RedrivePolicy {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidValue('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  const policy = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const arn = policy.deadLetterTargetArn;
  const match =
    typeof arn === 'string' ? /^arn:aws:sqs:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_-]{1,80})$/.exec(arn) : null;
  if (!match) throw invalidValue('RedrivePolicy', 'Invalid value for deadLetterTargetArn.');
  if (match[1] !== SANDBOX_ACCOUNT) {
    throw invalidValue('RedrivePolicy', `Dead letter target must be in account ${SANDBOX_ACCOUNT}.`);
  }
  const count =
    typeof policy.maxReceiveCount === 'string' ? Number(policy.maxReceiveCount) : policy.maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidValue('RedrivePolicy', 'Value for maxReceiveCount must be an integer from 1 to 1000.');
  }
  return { deadLetterTargetArn: arn as string, deadLetterQueue: match[2], maxReceiveCount: count };
}

/** Checks a CreateQueue / SetQueueAttributes `Attributes` map; returns it as strings. */
export function checkAttributes(input: unknown): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new SqsError('SerializationException', 'Attributes must be a map of strings');
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (typeof value !== 'string') throw invalidValue(name, 'attribute values are strings');
    if (
      name === 'FifoQueue' ||
      name === 'ContentBasedDeduplication' ||
      name === 'DeduplicationScope' ||
      name === 'FifoThroughputLimit'
    ) {
      if (value === 'false' && name === 'FifoQueue') continue;
      throw new SqsError(
        'UnsupportedOperation',
        `The sandbox emulates standard queues only; ${name} is not supported.`,
      );
    }
    if (Object.hasOwn(RANGES, name)) integerIn(name as NumericAttribute, value);
    else if (name === 'RedrivePolicy') {
      if (value !== '') parseRedrivePolicy(value); // '' removes the policy, as in SQS
    } else if (!OPAQUE.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    out[name] = value;
  }
  return out;
}

/** The effective configuration of a queue from its (already checked) attribute strings. */
export function queueConfig(attributes: Record<string, string>): QueueConfig {
  const num = (name: NumericAttribute) =>
    attributes[name] !== undefined ? integerIn(name, attributes[name]) : RANGES[name].default;
  return {
    delaySeconds: num('DelaySeconds'),
    maximumMessageSize: num('MaximumMessageSize'),
    retentionSeconds: num('MessageRetentionPeriod'),
    waitSeconds: num('ReceiveMessageWaitTimeSeconds'),
    visibilityTimeout: num('VisibilityTimeout'),
    ...(attributes.RedrivePolicy ? { redrive: parseRedrivePolicy(attributes.RedrivePolicy) } : {}),
  };
}

/** The default of a settable attribute as a string, so `CreateQueue` naming a default matches a queue created without it. */
export const defaultAttribute = (name: string): string | undefined =>
  Object.hasOwn(RANGES, name) ? String(RANGES[name as NumericAttribute].default) : undefined;

/** The settable attributes with their defaults filled in, as GetQueueAttributes returns them. */
export function settableWithDefaults(attributes: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, range] of Object.entries(RANGES)) out[name] = attributes[name] ?? String(range.default);
  for (const [name, value] of Object.entries(attributes)) if (!(name in out)) out[name] = value;
  return out;
}

/** Every attribute name GetQueueAttributes answers. */
export const READABLE_ATTRIBUTES = new Set([
  ...Object.keys(RANGES),
  ...OPAQUE,
  'RedrivePolicy',
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
]);
