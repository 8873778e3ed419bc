/**
 * Checks what a sender puts in a message — body, message attributes, message system attributes — the way SQS
 * does, and measures it against the queue's MaximumMessageSize (body + every attribute's name, type and value).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
import { invalidParameter, missingParameter, SqsError } from './errors';
import type { MessageAttributeValue } from './md5';

/** Characters SQS allows in a body: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. */
const FORBIDDEN_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,200})?$/;

export function checkBody(body: unknown): string {
  if (body === undefined || body === null || body === '') throw missingParameter('MessageBody');
  if (typeof body !== 'string') throw new SqsError('SerializationException', 'MessageBody must be a string');
  if (FORBIDDEN_CHARACTER.test(body)) {
    throw new SqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  return body;
}

function checkAttributeName(name: string): void {
  const lower = name.toLowerCase();
  if (
    !ATTRIBUTE_NAME.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  ) {
    throw new SqsError(
      'InvalidParameterValue',
      `Message (user) attribute name '${name}' is invalid: use letters, digits, '_', '-' and '.', no leading, ` +
        "trailing or repeated '.', and no 'AWS.' or 'Amazon.' prefix.",
    );
  }
}

function checkAttributeValue(name: string, raw: unknown, kind: string): MessageAttributeValue {
  const v = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const dataType = v.DataType;
  if (typeof dataType !== 'string' || !DATA_TYPE.test(dataType)) {
    throw new SqsError(
      'InvalidParameterValue',
      `The type of ${kind} attribute '${name}' is invalid: DataType must be String, Number or Binary, with an optional '.label'.`,
    );
  }
  if (v.StringListValues !== undefined || v.BinaryListValues !== undefined) {
    throw new SqsError('UnsupportedOperation', `${kind} attribute list values are not implemented by SQS.`);
  }
  if (dataType.startsWith('Binary')) {
    if (typeof v.BinaryValue !== 'string' || v.BinaryValue === '') {
      throw new SqsError(
        'InvalidParameterValue',
        `${kind} attribute '${name}' must contain a non-empty value of type 'Binary'.`,
      );
    }
    return { DataType: dataType, BinaryValue: v.BinaryValue };
  }
  if (typeof v.StringValue !== 'string' || v.StringValue === '') {
    throw new SqsError(
      'InvalidParameterValue',
      `${kind} attribute '${name}' must contain a non-empty value of type '${dataType.split('.')[0]}'.`,
    );
  }
  if (dataType.startsWith('Number') && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.StringValue)) {
    throw new SqsError(
      'InvalidParameterValue',
      `Can't cast the value of ${kind} attribute '${name}' to a number.`,
    );
  }
  if (FORBIDDEN_CHARACTER.test(v.StringValue)) {
    throw new SqsError('InvalidParameterValue', `${kind} attribute '${name}' contains invalid characters.`);
  }
  return { DataType: dataType, StringValue: v.StringValue };
}

/** The `MessageAttributes` of a send: at most 10, names and types as SQS allows. */
export function checkMessageAttributes(input: unknown): Record<string, MessageAttributeValue> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new SqsError('SerializationException', 'MessageAttributes must be a map');
  }
  const entries = Object.entries(input);
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalidParameter(
      'MessageAttributes',
      `(${entries.length} attributes)`,
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    checkAttributeName(name);
    out[name] = checkAttributeValue(name, value, 'Message (user)');
  }
  return out;
}

/** `MessageSystemAttributes`: SQS takes only AWSTraceHeader, a String. */
export function checkSystemAttributes(input: unknown): Record<string, MessageAttributeValue> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new SqsError('SerializationException', 'MessageSystemAttributes must be a map');
  }
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(input)) {
    if (name !== 'AWSTraceHeader') {
      throw new SqsError('InvalidParameterValue', `Message system attribute name '${name}' is invalid.`);
    }
    const checked = checkAttributeValue(name, value, 'Message system');
    if (checked.DataType !== 'String') {
      throw new SqsError(
        'InvalidParameterValue',
        "Message system attribute 'AWSTraceHeader' must be of type 'String'.",
      );
    }
    out[name] = checked;
  }
  return out;
}

/** What counts against MaximumMessageSize: the body and the user attributes' names, types and values. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, v] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(v.DataType, 'utf8');
    size +=
      v.BinaryValue !== undefined
        ? Buffer.from(v.BinaryValue, 'base64').length
        : Buffer.byteLength(v.StringValue ?? '', 'utf8');
  }
  return size;
}
