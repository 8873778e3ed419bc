/**
 * Bounds one record before the store keeps it, in a single walk: credentials redacted at any depth (redact.ts),
 * strings longer than the per-value limit truncated with a visible marker and their original size, containers
 * nested deeper than the depth limit replaced by a marker (a value 20 000 levels deep would otherwise break
 * every JSON answer that includes it), and a large value that a decoder put both in `attributes` and in a
 * native bag kept once. The walk also measures the record, which is what the store's byte budget counts.
 *
 * The result is a fixed point: sanitizing it again (journal replay, import of an export) changes nothing.
 */
import { isSecretKey, REDACTED, redactText } from './redact';

export interface ValueLimits {
  /** Longest string kept, in UTF-16 code units (≈ bytes for ASCII); longer ones are truncated. */
  maxValueBytes: number;
  /** Containers nested deeper than this inside a record are replaced by a marker. */
  maxDepth: number;
}

export const DEFAULT_VALUE_LIMITS: Readonly<ValueLimits> = Object.freeze({
  maxValueBytes: 64 * 1024,
  maxDepth: 32,
});

/** Attribute values at least this large are kept once: their copy in a native bag becomes a pointer. */
const SHARED_MIN_BYTES = 1024;
/** Object keys are bounded too, and never checked against credential names past this length. */
const MAX_KEY_LENGTH = 1024;
/** What a record costs beyond its values (field names, ids, numbers), as a flat estimate. */
const RECORD_OVERHEAD_BYTES = 64;

const depthMarker = (maxDepth: number) => `[truncated: nested deeper than ${maxDepth} levels]`;
const sharedMarker = (key: string) => `[stored once: see attributes[${JSON.stringify(key)}]]`;

export class RecordSanitizer {
  constructor(readonly limits: Readonly<ValueLimits> = DEFAULT_VALUE_LIMITS) {}

  /**
   * `record` bounded, and its estimated serialized size in bytes. Copy on write: a record with nothing to
   * change comes back as the same object (most do), so ingest allocates little; `record` itself is never
   * modified.
   */
  sanitize<T extends object>(record: T): { record: T; bytes: number } {
    const walk = new Walk(this.limits);
    const out = walk.fields(record as Record<string, unknown>);
    return { record: out as T, bytes: walk.bytes + RECORD_OVERHEAD_BYTES };
  }
}

const isBag = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Own property, even for `__proto__` (which plain assignment would turn into a prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true });
  else target[key] = value;
}

/** A new object with `bag`'s own entries that come before `stop`, for a copy started part-way. */
function entriesBefore(bag: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in bag) {
    if (key === stop) break;
    if (Object.hasOwn(bag, key)) put(out, key, bag[key]);
  }
  return out;
}

class Walk {
  bytes = 0;
  /** Large attribute values (strings by content, objects by identity) → their attribute key; made when needed. */
  private shared: Map<unknown, string> | null = null;

  constructor(private readonly limits: Readonly<ValueLimits>) {}

  /** The record's own fields: `attributes` and `native` are bags with their own rules, the rest plain values. */
  fields(record: Record<string, unknown>): Record<string, unknown> {
    return this.mapObject(record, (field, value) => {
      if (field === 'attributes' && isBag(value)) return this.attributes(value);
      if (field === 'native' && isBag(value)) return this.native(value);
      return this.value(value, 1);
    });
  }

  private attributes(bag: Record<string, unknown>): Record<string, unknown> {
    return this.mapObject(bag, (key, raw) => {
      if (isSecretKey(key)) return this.redacted(raw);
      const before = this.bytes;
      const value = this.value(raw, 2);
      const large = this.bytes - before >= SHARED_MIN_BYTES;
      if (large && raw !== null && (typeof raw === 'string' || typeof raw === 'object')) {
        this.shared ??= new Map();
        if (!this.shared.has(raw)) this.shared.set(raw, key);
      }
      return value;
    });
  }

  private native(bags: Record<string, unknown>): Record<string, unknown> {
    return this.mapObject(bags, (_name, bag) => this.value(bag, 2, true));
  }

  private value(v: unknown, depth: number, inNative = false): unknown {
    if (typeof v === 'string') {
      if (inNative && v.length >= SHARED_MIN_BYTES && this.shared?.has(v)) return this.pointer(v);
      return this.string(v);
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      this.bytes += 8;
      return v;
    }
    // JSON has no BigInt; a decoder that hands one over would otherwise break every answer.
    if (typeof v === 'bigint') return this.string(v.toString());
    if (v === null || typeof v !== 'object') {
      this.bytes += 4;
      return v === undefined ? undefined : null;
    }
    if (inNative && this.shared?.has(v)) return this.pointer(v);
    if (depth > this.limits.maxDepth) return this.string(depthMarker(this.limits.maxDepth));
    this.bytes += 2;
    if (Array.isArray(v)) return this.mapArray(v, depth, inNative);
    return this.mapObject(v as Record<string, unknown>, (key, item) =>
      isSecretKey(key) ? this.redacted(item) : this.value(item, depth + 1, inNative),
    );
  }

  /**
   * `bag` with every own entry passed through `each` (its key bounded first); the same object when no key or
   * value changed. for…in, not Object.entries: this runs for every bag of every record.
   */
  private mapObject(
    bag: Record<string, unknown>,
    each: (key: string, value: unknown) => unknown,
  ): Record<string, unknown> {
    let out: Record<string, unknown> | null = null;
    for (const rawKey in bag) {
      if (!Object.hasOwn(bag, rawKey)) continue;
      const raw = bag[rawKey];
      const key = this.key(rawKey);
      const next = each(key, raw);
      if (out === null && (next !== raw || key !== rawKey)) out = entriesBefore(bag, rawKey);
      if (out !== null) put(out, key, next);
    }
    return out ?? bag;
  }

  private mapArray(list: unknown[], depth: number, inNative: boolean): unknown[] {
    let out: unknown[] | null = null;
    for (let i = 0; i < list.length; i++) {
      const next = this.value(list[i], depth + 1, inNative);
      if (out === null && next !== list[i]) out = list.slice(0, i);
      if (out !== null) out.push(next);
    }
    return out ?? list;
  }

  private pointer(v: unknown): string {
    return this.string(sharedMarker(this.shared!.get(v)!));
  }

  /** Empty values say nothing, so they stay as they are; anything else under a credential's name goes. */
  private redacted(v: unknown): unknown {
    this.bytes += REDACTED.length;
    return v === null || v === undefined || v === '' ? v : REDACTED;
  }

  private key(k: string): string {
    const key = k.length > MAX_KEY_LENGTH ? truncate(k, MAX_KEY_LENGTH) : k;
    this.bytes += key.length + 4;
    return key;
  }

  private string(s: string): string {
    const bounded = s.length > this.limits.maxValueBytes ? truncate(s, this.limits.maxValueBytes) : s;
    const out = redactText(bounded);
    this.bytes += out.length + 2;
    return out;
  }
}

/** `s` cut to at most `max` code units including a marker that gives the original size in UTF-8 bytes. */
export function truncate(s: string, max: number): string {
  const marker = `… [truncated: ${Buffer.byteLength(s)} bytes]`;
  let keep = Math.max(0, max - marker.length);
  // Never split a surrogate pair: half of one is not valid UTF-16 and would serialize as garbage.
  const code = s.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep--;
  return `${s.slice(0, keep)}${marker}`;
}
