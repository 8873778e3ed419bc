/**
 * OTLP trace export requests read straight from protobuf into span records, in one pass: no intermediate
 * message objects, `Long`s or BigInts, and the strings that repeat on every span (attribute keys and values,
 * span names, trace and parent ids) made once and then reused from small caches keyed by their bytes, so the
 * records the store keeps share them. This is the sandbox's ingest hot path (docs/performance.md, "The sandbox
 * under load").
 *
 * It reads what protobufjs reads for the .proto files in sandbox/proto, with the same strictness, and the
 * records are the ones otlp-map.ts makes from a protobufjs message (test/ingest/otlp-wire.test.ts holds both
 * to that, on SDK payloads and on mangled ones): invalid UTF-8 in any string, a length past its message's end
 * and nesting deeper than 100 messages are refused; a known field with the wrong wire type is skipped as
 * unknown; a repeated singular message merges into the first; of a oneof, the member set last wins.
 */
import type { SpanEvent, SpanLink, SpanRecord } from '../model';

/** What protobufjs refuses past (its `util.recursionLimit`, protoc's default). */
const RECURSION_LIMIT = 100;
const KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One ResourceSpans: its resource attributes and its spans (vendor still to be set). */
export interface WireResourceSpans {
  resource: Record<string, unknown>;
  spans: SpanRecord[];
}

/** A decoded trace request; `tracesToBatch` recognises it and only sets the vendor. */
export class WireTraceRequest {
  constructor(readonly resourceSpans: WireResourceSpans[]) {}
}

/** Strings up to this many bytes are looked up by their bytes before one is made. */
const INTERN_MAX = 96;
const INTERN_SLOTS = 4096;
const internStrings: Array<string | undefined> = new Array(INTERN_SLOTS);
const ID_SLOTS = 2048;
const ID_BYTES = 16;
const idStrings: Array<string | undefined> = new Array(ID_SLOTS);
const idBytes = new Uint8Array(ID_SLOTS * ID_BYTES);

class WireError extends Error {}
const outOfRange = () => new RangeError('index out of range');

/** A span being read: the fields that are not yet a record. */
interface SpanParts {
  traceId: string;
  spanId: string;
  parentId: string;
  name: string;
  kind: number;
  startLo: number;
  startHi: number;
  endLo: number;
  endHi: number;
  attributes: Record<string, unknown>;
  events: SpanEvent[] | null;
  links: SpanLink[] | null;
  statusCode: number;
  statusMessage: string;
}

/** Milliseconds from nanoseconds given as two uint32 halves, exactly as `nanosToMs` computes it with BigInt. */
function nanosToMs(lo: number, hi: number): number {
  // ns = hi·2^32 + lo and 2^32 = 4294·10^6 + 967296, so every step below is exact in a double.
  const r = hi * 967296 + lo;
  const rem = r % 1e6;
  return hi * 4294 + (r - rem) / 1e6 + rem / 1e6;
}

class Reader {
  pos = 0;
  /** The second half of the last 64-bit value read. */
  hi = 0;
  constructor(
    readonly buf: Buffer,
    private len: number,
  ) {}

  /** A varint's low 32 bits (as uint32); its high bits go to `hi`. */
  varint(): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    let i = 0;
    do {
      if (this.pos >= this.len) throw outOfRange();
      if (i === 10) throw new WireError('invalid varint encoding');
      b = buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << shift;
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x70) >> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      shift += 7;
      i++;
    } while (b & 0x80);
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** A field tag: protobufjs refuses one longer than 5 bytes or over 32 bits. */
  tag(): number {
    const start = this.pos;
    const tag = this.varint();
    const n = this.pos - start;
    if (n > 5 || (n === 5 && this.buf[start + 4] & 0x70)) throw new WireError('invalid tag encoding');
    return tag;
  }

  double(): number {
    if (this.pos + 8 > this.len) throw outOfRange();
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  fixed64(): number {
    if (this.pos + 8 > this.len) throw outOfRange();
    const lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return lo;
  }

  /** Start of a length-delimited field; returns its end (this.pos is its start). */
  delimited(): number {
    const start = this.pos;
    const length = this.varint();
    // protobufjs refuses a length prefix past 31 bits.
    if (this.pos - start > 5 || (this.pos - start === 5 && this.buf[start + 4] > 7)) {
      throw new WireError('invalid length encoding');
    }
    const end = this.pos + length;
    if (end > this.len) throw outOfRange();
    return end;
  }

  /** Enters a sub-message: reads stop at its end; returns the end to restore with `leave`. */
  enter(end: number): number {
    const outer = this.len;
    this.len = end;
    return outer;
  }

  leave(end: number, outer: number): void {
    if (this.pos !== end) throw outOfRange();
    this.len = outer;
  }

  skip(wireType: number, depth: number, field: number): void {
    if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
    if (field === 0) throw new WireError('illegal tag: field number 0');
    switch (wireType) {
      case 0:
        do if (this.pos >= this.len) throw outOfRange();
        while (this.buf[this.pos++] & 0x80);
        return;
      case 1:
        if ((this.pos += 8) > this.len) throw outOfRange();
        return;
      case 2:
        this.pos = this.delimited();
        return;
      case 3:
        for (;;) {
          const tag = this.tag();
          const nested = tag >>> 3;
          if (nested === 0) throw new WireError('illegal tag: field number 0');
          if ((tag & 7) === 4) {
            if (nested !== field) throw new WireError('invalid end group tag');
            return;
          }
          this.skip(tag & 7, depth + 1, nested);
        }
      case 5:
        if ((this.pos += 4) > this.len) throw outOfRange();
        return;
      default:
        throw new WireError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  /** A UTF-8 string field's value: refused if not valid UTF-8, and short ASCII ones shared. */
  string(): string {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    const buf = this.buf;
    const length = end - start;
    if (length === 0) return '';
    if (length > INTERN_MAX) return this.decode(start, end);
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c & 0x80) return this.decode(start, end);
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    const slot = (hash ^ (hash >>> 15)) & (INTERN_SLOTS - 1);
    const known = internStrings[slot];
    if (known !== undefined && known.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (known.charCodeAt(i) !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    const made = buf.toString('latin1', start, end);
    internStrings[slot] = made;
    return made;
  }

  private decode(start: number, end: number): string {
    try {
      return STRICT_UTF8.decode(this.buf.subarray(start, end));
    } catch {
      throw new WireError('invalid UTF-8');
    }
  }

  /** A string field that is not kept, validated as protobufjs validates it. */
  skipString(): void {
    const end = this.delimited();
    for (let i = this.pos; i < end; i++) {
      if (this.buf[i] & 0x80) {
        this.decode(this.pos, end);
        break;
      }
    }
    this.pos = end;
  }

  /** An id (bytes) as lower-case hex, '' when empty or all zero; 8- and 16-byte ids shared. */
  id(): string {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    const buf = this.buf;
    const length = end - start;
    let hash = 0x811c9dc5;
    let any = 0;
    for (let i = start; i < end; i++) {
      any |= buf[i];
      hash = Math.imul(hash ^ buf[i], 0x01000193);
    }
    if (any === 0) return '';
    if (length !== 16 && length !== 8) return buf.toString('hex', start, end);
    const slot = (hash ^ (hash >>> 15)) & (ID_SLOTS - 1);
    const known = idStrings[slot];
    const at = slot * ID_BYTES;
    if (known !== undefined && known.length === length * 2) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (idBytes[at + i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    const made = buf.toString('hex', start, end);
    idStrings[slot] = made;
    idBytes.set(buf.subarray(start, end), at);
    return made;
  }

  bytes(): Buffer {
    const end = this.delimited();
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }
}

/** AnyValue's oneof as read so far (a repeated AnyValue merges into it). */
interface AnyValueState {
  member: number;
  value: unknown;
}

/**
 * AnyValue → plain value, as otlp-values.ts `anyValue` gives it: int64 as a number when exact, else a decimal
 * string; bytes as base64; no member → null.
 */
function readAnyValue(r: Reader, end: number, depth: number, state: AnyValueState): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) set(state, 1, r.string());
    // protobufjs reads a bool as the varint's low 32 bits.
    else if (field === 2 && wire === 0) set(state, 2, r.varint() !== 0);
    else if (field === 3 && wire === 0) set(state, 3, int64(r.varint(), r.hi));
    else if (field === 4 && wire === 1) set(state, 4, r.double());
    else if ((field === 5 || field === 6) && wire === 2) {
      const list = state.member === field ? (state.value as unknown[]) : [];
      const inner = r.delimited();
      if (field === 5) readArrayValue(r, inner, depth + 1, list);
      else readKeyValueList(r, inner, depth + 1, list);
      set(state, field, list);
    } else if (field === 7 && wire === 2) set(state, 7, r.bytes().toString('base64'));
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
}

function set(state: AnyValueState, member: number, value: unknown): void {
  state.member = member;
  state.value = value;
}

/** A state's value: lists of AnyValue and of KeyValue are kept raw until the whole AnyValue is read. */
function valueOf(state: AnyValueState): unknown {
  if (state.member === 5) return (state.value as AnyValueState[]).map(valueOf);
  if (state.member === 6) return keyValuesOf(state.value as Array<[string, AnyValueState]>);
  return state.member === 0 ? null : state.value;
}

function keyValuesOf(list: Array<[string, AnyValueState]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of list) out[key] = valueOf(value);
  return out;
}

function int64(lo: number, hi: number): number | string {
  const high = hi | 0;
  if ((high > -0x200000 && high <= 0x1fffff) || (high === -0x200000 && lo > 0)) return high * 4294967296 + lo;
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function readArrayValue(r: Reader, end: number, depth: number, list: unknown[]): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const state: AnyValueState = { member: 0, value: null };
      readAnyValue(r, r.delimited(), depth + 1, state);
      list.push(state);
    } else r.skip(tag & 7, depth, tag >>> 3);
  }
  r.leave(end, outer);
}

function readKeyValueList(r: Reader, end: number, depth: number, list: unknown[]): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1 && (tag & 7) === 2) list.push(readKeyValue(r, r.delimited(), depth + 1));
    else r.skip(tag & 7, depth, tag >>> 3);
  }
  r.leave(end, outer);
}

/** KeyValue → [key, value state]; a missing key is '' (protobufjs' default). */
function readKeyValue(r: Reader, end: number, depth: number): [string, AnyValueState] {
  const state: AnyValueState = { member: 0, value: null };
  return [readKeyValueInto(r, end, depth, state), state];
}

/** A KeyValue's value read into `state`; @returns its key. */
function readKeyValueInto(r: Reader, end: number, depth: number, state: AnyValueState): string {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  let key = '';
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) key = r.string();
    else if (field === 2 && wire === 2) readAnyValue(r, r.delimited(), depth + 1, state);
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
  return key;
}

/**
 * Where `putKeyValue` reads each value: it is taken out before the next KeyValue is read (nested lists read
 * theirs with `readKeyValue`), so the dozen attributes of every span make no pair and state objects to collect.
 */
const scratch: AnyValueState = { member: 0, value: null };

/** One KeyValue into `into` (later duplicates win, as `keyValues` does). */
function putKeyValue(r: Reader, end: number, depth: number, into: Record<string, unknown>): void {
  scratch.member = 0;
  scratch.value = null;
  const key = readKeyValueInto(r, end, depth, scratch);
  into[key] = valueOf(scratch);
  scratch.value = null;
}

function readEvent(r: Reader, end: number, depth: number): SpanEvent {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  let lo = 0;
  let hi = 0;
  let name = '';
  const attributes: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 1) {
      lo = r.fixed64();
      hi = r.hi;
    } else if (field === 2 && wire === 2) name = r.string();
    else if (field === 3 && wire === 2) putKeyValue(r, r.delimited(), depth + 1, attributes);
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
  // A missing time is protobufjs' default 0, which otlp-map.ts reads as 0 ms (not the span's start).
  return { name, timeMs: nanosToMs(lo, hi), attributes };
}

function readLink(r: Reader, end: number, depth: number): SpanLink {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  let traceId = '';
  let spanId = '';
  const attributes: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) traceId = r.id();
    else if (field === 2 && wire === 2) spanId = r.id();
    else if (field === 3 && wire === 2) r.skipString();
    else if (field === 4 && wire === 2) putKeyValue(r, r.delimited(), depth + 1, attributes);
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
  return { traceId, spanId, attributes };
}

function readStatus(r: Reader, end: number, depth: number, parts: SpanParts): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 2 && wire === 2) parts.statusMessage = r.string();
    else if (field === 3 && wire === 0) parts.statusCode = r.varint() | 0;
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
}

function readSpan(r: Reader, end: number, depth: number): SpanParts {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  const parts: SpanParts = {
    traceId: '',
    spanId: '',
    parentId: '',
    name: '',
    kind: 0,
    startLo: 0,
    startHi: 0,
    endLo: 0,
    endHi: 0,
    attributes: {},
    events: null,
    links: null,
    statusCode: 0,
    statusMessage: '',
  };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 2) {
      if (field === 9) putKeyValue(r, r.delimited(), depth + 1, parts.attributes);
      else if (field === 1) parts.traceId = r.id();
      else if (field === 2) parts.spanId = r.id();
      else if (field === 4) parts.parentId = r.id();
      else if (field === 5) parts.name = r.string();
      else if (field === 3) r.skipString();
      else if (field === 11) {
        (parts.events ??= []).push(readEvent(r, r.delimited(), depth + 1));
      } else if (field === 13) (parts.links ??= []).push(readLink(r, r.delimited(), depth + 1));
      else if (field === 15) readStatus(r, r.delimited(), depth + 1, parts);
      else r.skip(wire, depth, field);
    } else if (wire === 1 && field === 7) {
      parts.startLo = r.fixed64();
      parts.startHi = r.hi;
    } else if (wire === 1 && field === 8) {
      parts.endLo = r.fixed64();
      parts.endHi = r.hi;
    } else if (wire === 0 && field === 6) parts.kind = r.varint() | 0;
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
  return parts;
}

function spanRecord(parts: SpanParts, service: string, resource: Record<string, unknown>): SpanRecord {
  const startMs = nanosToMs(parts.startLo, parts.startHi);
  const endBefore =
    parts.endHi < parts.startHi || (parts.endHi === parts.startHi && parts.endLo < parts.startLo);
  const durationMs = endBefore
    ? 0
    : ((parts.endHi - parts.startHi) * 4294967296 + (parts.endLo - parts.startLo)) / 1e6;
  const statusCode = parts.statusCode;
  // The same fields in the same order as otlp-map.ts's spanRecord, so both paths give one shape.
  const record: SpanRecord = {
    vendor: 'otlp',
    traceId: parts.traceId,
    spanId: parts.spanId,
    parentId: parts.parentId || null,
    name: parts.name,
    service,
    kind: KINDS[parts.kind] ?? 'internal',
    startMs,
    durationMs,
    attributes: Object.assign({}, resource, parts.attributes),
    native: { attributes: parts.attributes, resource },
    status: statusCode === 2 ? 'error' : statusCode === 1 ? 'ok' : 'unset',
  };
  if (statusCode === 2 && parts.statusMessage) record.statusMessage = parts.statusMessage;
  if (parts.events) record.events = parts.events;
  if (parts.links) record.links = parts.links;
  return record;
}

/** A ResourceSpans: its resource first (wherever it sits, and merged if it repeats), then its spans. */
function readResourceSpans(r: Reader, end: number, depth: number): WireResourceSpans {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const start = r.pos;
  const outer = r.enter(end);
  const resource: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1 && (tag & 7) === 2) readResource(r, r.delimited(), depth + 1, resource);
    else if (tag >>> 3 === 3 && (tag & 7) === 2) r.skipString();
    else r.skip(tag & 7, depth, tag >>> 3);
  }
  const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown';
  // Every span of the ResourceSpans shares it; frozen, so the store can bound and measure it once (sanitize.ts).
  Object.freeze(resource);
  const spans: SpanRecord[] = [];
  r.pos = start;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 2 && (tag & 7) === 2)
      readScopeSpans(r, r.delimited(), depth + 1, service, resource, spans);
    else r.skip(tag & 7, depth, tag >>> 3);
  }
  r.leave(end, outer);
  return { resource, spans };
}

function readResource(r: Reader, end: number, depth: number, into: Record<string, unknown>): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1 && (tag & 7) === 2) putKeyValue(r, r.delimited(), depth + 1, into);
    else r.skip(tag & 7, depth, tag >>> 3);
  }
  r.leave(end, outer);
}

function readScopeSpans(
  r: Reader,
  end: number,
  depth: number,
  service: string,
  resource: Record<string, unknown>,
  spans: SpanRecord[],
): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 2 && wire === 2)
      spans.push(spanRecord(readSpan(r, r.delimited(), depth + 1), service, resource));
    else if (field === 1 && wire === 2) readScope(r, r.delimited(), depth + 1);
    else if (field === 3 && wire === 2) r.skipString();
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
}

/** InstrumentationScope is not kept, but read through, so what protobufjs refuses in it is refused here too. */
function readScope(r: Reader, end: number, depth: number): void {
  if (depth > RECURSION_LIMIT) throw new WireError('max depth exceeded');
  const outer = r.enter(end);
  const ignored: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if ((field === 1 || field === 2) && wire === 2) r.skipString();
    else if (field === 3 && wire === 2) putKeyValue(r, r.delimited(), depth + 1, ignored);
    else r.skip(wire, depth, field);
  }
  r.leave(end, outer);
}

/** Decodes an ExportTraceServiceRequest into span records. Throws on malformed input. */
export function readTraceRequest(body: Uint8Array): WireTraceRequest {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const r = new Reader(buf, buf.length);
  const out: WireResourceSpans[] = [];
  while (r.pos < buf.length) {
    const tag = r.tag();
    if (tag >>> 3 === 1 && (tag & 7) === 2) out.push(readResourceSpans(r, r.delimited(), 1));
    else r.skip(tag & 7, 0, tag >>> 3);
  }
  return new WireTraceRequest(out);
}
