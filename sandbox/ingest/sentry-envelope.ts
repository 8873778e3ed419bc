import { isObject, type JsonObject } from './json-fields';

/**
 * Sentry's envelope format: one header line of JSON, then any number of items, each an item-header line of JSON
 * followed by its payload. With `length` in the item header the payload is exactly that many bytes (it may
 * contain newlines, e.g. attachments); without it the payload runs to the end of the line.
 * https://develop.sentry.dev/sdk/data-model/envelopes/
 */

export interface EnvelopeItem {
  header: JsonObject & { type: string };
  payload: Buffer;
}

export interface Envelope {
  header: JsonObject;
  items: EnvelopeItem[];
}

/** Thrown for bodies that are not an envelope; the router answers 400 with its message. */
export class EnvelopeError extends Error {}

const NEWLINE = 0x0a;

/** Reads one line starting at `pos`; returns it and where the next one starts. */
function readLine(body: Buffer, pos: number): { line: Buffer; next: number } {
  const end = body.indexOf(NEWLINE, pos);
  return end === -1
    ? { line: body.subarray(pos), next: body.length }
    : { line: body.subarray(pos, end), next: end + 1 };
}

function parseJsonLine(line: Buffer, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch (err) {
    throw new EnvelopeError(`${what} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new EnvelopeError(`${what} must be a JSON object`);
  return value;
}

export function parseEnvelope(body: Buffer): Envelope {
  if (body.length === 0) throw new EnvelopeError('empty envelope');
  const first = readLine(body, 0);
  const header = parseJsonLine(first.line, 'envelope header');
  const items: EnvelopeItem[] = [];
  let pos = first.next;
  while (pos < body.length) {
    const headerLine = readLine(body, pos);
    pos = headerLine.next;
    // A trailing newline (or a blank separator line) is not an item.
    if (headerLine.line.toString('utf8').trim() === '') continue;
    const itemHeader = parseJsonLine(headerLine.line, `item ${items.length} header`);
    if (typeof itemHeader.type !== 'string' || itemHeader.type === '') {
      throw new EnvelopeError(`item ${items.length} header has no type`);
    }
    let payload: Buffer;
    if (itemHeader.length !== undefined) {
      const length = itemHeader.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
        throw new EnvelopeError(`item ${items.length} header has an invalid length`);
      }
      if (pos + length > body.length) {
        throw new EnvelopeError(`item ${items.length} payload is shorter than its length ${length}`);
      }
      payload = body.subarray(pos, pos + length);
      pos += length;
      if (body[pos] === NEWLINE) pos += 1;
    } else {
      const line = readLine(body, pos);
      payload = line.line;
      pos = line.next;
    }
    items.push({ header: itemHeader as EnvelopeItem['header'], payload });
  }
  return { header, items };
}

/** Parses an item payload as a JSON object, naming the item in the error. */
export function itemJson(item: EnvelopeItem, index: number): JsonObject {
  return parseJsonLine(item.payload, `item ${index} (${item.header.type}) payload`);
}
