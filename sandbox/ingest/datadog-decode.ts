import { decode } from '@msgpack/msgpack';

/**
 * Datadog agent trace payloads → plain spans. v0.4 is an array of traces, each an array of span maps;
 * v0.5 is `[stringTable, traces]` where each span is a 12-element array of string-table indexes and numbers
 * (https://github.com/DataDog/datadog-agent/blob/main/pkg/trace/api/version.go documents both). v0.3 and v0.4
 * also come as JSON (dd-trace-py's JSONEncoder, curl): the same traces, picked by Content-Type as the agent
 * does.
 */
export interface DdSpan {
  traceId: string;
  spanId: string;
  parentId: string;
  service: string;
  name: string;
  resource: string;
  type: string;
  startNs: bigint;
  durationNs: bigint;
  error: number;
  meta: Record<string, string>;
  metrics: Record<string, number>;
}

export class DdDecodeError extends Error {}

/** u64 ids and int64 times may decode as number or bigint; useBigInt64 keeps ids above 2^53 exact. */
function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (v === undefined || v === null) return 0n;
  throw new DdDecodeError(`expected an integer, got ${typeof v}`);
}

/** Ids are unsigned on the wire; a signed encoder's negative value is the same 64 bits. */
const id = (v: unknown): string => BigInt.asUintN(64, big(v)).toString();

const num = (v: unknown): number =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v);

function unpack(body: Uint8Array): unknown {
  try {
    return decode(body, { useBigInt64: true });
  } catch (err) {
    throw new DdDecodeError(`malformed msgpack: ${(err as Error).message}`);
  }
}

/**
 * JSON numbers are doubles, but u64 ids and epoch-nanosecond times exceed 2^53: integers beyond it are re-read
 * exactly from their source text (the reviver's `context`, Node 21+).
 */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? '')) {
    return BigInt(context!.source!);
  }
  return value;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(
      Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
      exactIntegers,
    );
  } catch (err) {
    throw new DdDecodeError(`malformed JSON: ${(err as Error).message}`);
  }
}

/**
 * The agent's choice (pkg/trace/api decodeRequest): `application/msgpack` is msgpack, `application/json` and
 * `text/json` are JSON, and for anything else it does its best. Here "best" looks at the first byte: JSON
 * traces open with `[`, which never starts a msgpack array.
 */
function unpackV04(body: Uint8Array, contentType: string | null | undefined): unknown {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/msgpack') return unpack(body);
  if (type === 'application/json' || type === 'text/json') return parseJson(body);
  const first = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString('latin1', 0, 64)
    .trimStart();
  return first.startsWith('[') ? parseJson(body) : unpack(body);
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v instanceof Map) for (const [k, val] of v) out[String(k)] = String(val);
  else if (v && typeof v === 'object') {
    const bag = v as Record<string, unknown>;
    for (const k in bag) out[k] = typeof bag[k] === 'string' ? (bag[k] as string) : String(bag[k]);
  }
  return out;
}

function numberMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === 'object') {
    const bag = v as Record<string, unknown>;
    for (const k in bag) out[k] = num(bag[k]);
  }
  return out;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

export function decodeV04(body: Uint8Array, contentType?: string | null): DdSpan[] {
  const traces = unpackV04(body, contentType);
  if (!Array.isArray(traces)) throw new DdDecodeError('v0.4 payload must be an array of traces');
  const spans: DdSpan[] = [];
  for (const trace of traces) {
    if (!Array.isArray(trace)) throw new DdDecodeError('v0.4 trace must be an array of spans');
    for (const s of trace) {
      if (!s || typeof s !== 'object' || Array.isArray(s)) throw new DdDecodeError('v0.4 span must be a map');
      const span = s as Record<string, unknown>;
      spans.push({
        traceId: id(span.trace_id),
        spanId: id(span.span_id),
        parentId: id(span.parent_id),
        service: str(span.service),
        name: str(span.name),
        resource: str(span.resource),
        type: str(span.type),
        startNs: big(span.start),
        durationNs: big(span.duration),
        error: num(span.error ?? 0),
        meta: stringMap(span.meta),
        metrics: numberMap(span.metrics),
      });
    }
  }
  return spans;
}

export function decodeV05(body: Uint8Array): DdSpan[] {
  const payload = unpack(body);
  if (
    !Array.isArray(payload) ||
    payload.length !== 2 ||
    !Array.isArray(payload[0]) ||
    !Array.isArray(payload[1])
  ) {
    throw new DdDecodeError('v0.5 payload must be [stringTable, traces]');
  }
  const table = payload[0] as unknown[];
  const s = (i: unknown): string => {
    const v = table[num(i)];
    if (typeof v !== 'string') throw new DdDecodeError(`v0.5 string index ${String(i)} out of range`);
    return v;
  };
  const spans: DdSpan[] = [];
  for (const trace of payload[1] as unknown[]) {
    if (!Array.isArray(trace)) throw new DdDecodeError('v0.5 trace must be an array of spans');
    for (const f of trace) {
      if (!Array.isArray(f) || f.length < 12) throw new DdDecodeError('v0.5 span must be a 12-element array');
      const meta: Record<string, string> = {};
      for (const [k, v] of Object.entries(mapEntries(f[9]))) meta[s(k)] = s(v);
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(mapEntries(f[10]))) metrics[s(k)] = num(v);
      spans.push({
        service: s(f[0]),
        name: s(f[1]),
        resource: s(f[2]),
        traceId: id(f[3]),
        spanId: id(f[4]),
        parentId: id(f[5]),
        startNs: big(f[6]),
        durationNs: big(f[7]),
        error: num(f[8]),
        meta,
        metrics,
        type: s(f[11]),
      });
    }
  }
  return spans;
}

/** v0.5 maps are keyed by integer indexes; msgpack decodes them as object keys ('3') — both read the same. */
function mapEntries(v: unknown): Record<string, unknown> {
  if (v instanceof Map) return Object.fromEntries(v);
  if (v && typeof v === 'object') return v as Record<string, unknown>;
  return {};
}
