/**
 * Readers for OTLP values that accept both encodings the sandbox receives: protobufjs-decoded messages
 * (ids as bytes, 64-bit integers as `Long`) and OTLP/JSON (ids as hex strings, 64-bit integers as strings or
 * numbers). Keeping one reader per value lets a single mapper serve both content types.
 */

/** protobufjs' Long without importing the package's type. */
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

const isLong = (v: unknown): v is LongLike =>
  typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && 'high' in v;

/** Any OTLP 64-bit integer as a BigInt; null when absent or unreadable. */
export function toBigInt(v: unknown): bigint | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
  if (typeof v === 'string') {
    try {
      return BigInt(v);
    } catch {
      return null;
    }
  }
  if (isLong(v)) {
    const value = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? value : BigInt.asIntN(64, value);
  }
  return null;
}

const NANOS_PER_MS = 1_000_000n;

/**
 * Nanoseconds since the epoch → milliseconds with the sub-millisecond part kept as a fraction. The integer
 * part is divided as BigInt first because epoch nanos exceed Number's exact range.
 */
export function nanosToMs(v: unknown): number | null {
  const ns = toBigInt(v);
  if (ns === null) return null;
  return Number(ns / NANOS_PER_MS) + Number(ns % NANOS_PER_MS) / 1e6;
}

/** Duration between two nano timestamps in (fractional) milliseconds; 0 when either is missing. */
export function durationMs(start: unknown, end: unknown): number {
  const s = toBigInt(start);
  const e = toBigInt(end);
  if (s === null || e === null || e < s) return 0;
  return Number(e - s) / 1e6;
}

const HEX_ID = /^[0-9a-fA-F]*$/;

/**
 * A trace/span id as lower-case hex. Bytes (protobuf) are hex-encoded; JSON ids are hex by the OTLP/JSON spec,
 * but a few older exporters sent base64, so a non-hex string is read as base64. Empty or all-zero → ''.
 */
export function idHex(v: unknown): string {
  let hex = '';
  if (v instanceof Uint8Array) hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  else if (typeof v === 'string')
    hex = HEX_ID.test(v) ? v.toLowerCase() : Buffer.from(v, 'base64').toString('hex');
  return /^0*$/.test(hex) ? '' : hex;
}

/** Keys of AnyValue's oneof, in the camelCase both encodings use. */
type AnyValueObject = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: unknown;
  doubleValue?: number | string;
  arrayValue?: { values?: unknown[] };
  kvlistValue?: { values?: unknown[] };
  bytesValue?: Uint8Array | string;
};

const has = (o: object, key: string): boolean => Object.hasOwn(o, key);

/**
 * AnyValue → plain JS value. Int64 becomes a number when it fits exactly, else a decimal string; bytes become
 * base64 (as OTLP/JSON writes them). Ownership checks matter: protobufjs keeps defaults on the prototype.
 */
export function anyValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return null;
  const a = v as AnyValueObject;
  if (has(a, 'stringValue')) return a.stringValue ?? '';
  if (has(a, 'boolValue')) return Boolean(a.boolValue);
  if (has(a, 'intValue')) {
    const n = toBigInt(a.intValue);
    if (n === null) return null;
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(n)
      : n.toString();
  }
  if (has(a, 'doubleValue')) return Number(a.doubleValue);
  if (has(a, 'arrayValue')) return (a.arrayValue?.values ?? []).map(anyValue);
  if (has(a, 'kvlistValue')) return keyValues(a.kvlistValue?.values);
  if (has(a, 'bytesValue')) {
    const b = a.bytesValue;
    return b instanceof Uint8Array ? Buffer.from(b).toString('base64') : (b ?? '');
  }
  return null;
}

/** repeated KeyValue → object; later duplicates win, as collectors do. */
export function keyValues(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list as Array<{ key?: string; value?: unknown }>) {
    if (kv && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  }
  return out;
}

/** An OTLP int/enum field that may arrive as number, numeric string or Long. */
export function toInt(v: unknown): number {
  const n = toBigInt(v);
  return n === null ? 0 : Number(n);
}
