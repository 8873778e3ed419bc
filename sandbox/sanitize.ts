/**
 * Bounds one record before the store keeps it, in a single walk: credentials redacted at any depth (redact.ts),
 * strings longer than the per-value limit truncated with a visible marker and their original size, containers
 * nested deeper than the depth limit replaced by a marker (a value 20 000 levels deep would otherwise break
 * every JSON answer that includes it), and a large value that a decoder put both in `attributes` and in a
 * native bag kept once. The walk also measures the record, which is what the store's byte budget counts: an
 * upper bound of its UTF-8 JSON size (`Buffer.byteLength(JSON.stringify(record))`), never below it, exact for
 * plain ASCII strings and keys, with each number counted as its longest possible form.
 *
 * The result is a fixed point: sanitizing it again (journal replay, import of an export) changes nothing.
 *
 * This runs on every span the sandbox keeps, so the verdicts for short strings and for keys (which repeat on
 * every span: names, enum-like values, attribute keys) are cached per sanitizer.
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
/** Slack for the record's own braces; everything else is counted as it is walked. */
const RECORD_OVERHEAD_BYTES = 64;
/** Strings up to this long have their bounded form and size cached; a cache is dropped whole when full. */
const CACHED_STRING_LENGTH = 256;
const CACHE_SIZE = 20_000;
/**
 * Longer strings up to this long (stack traces, SQL) go to a second, smaller cache: they repeat too (one error
 * thrown on many requests), and redacting one is the costliest step of bounding a record.
 */
const LONG_CACHED_LENGTH = 16 * 1024;
const LONG_CACHE_SIZE = 256;
/** `"[redacted]"` in JSON. */
const REDACTED_BYTES = REDACTED.length + 2;
/** The longest JSON a finite double can take: `-1.2345678901234567e-300`. */
const MAX_NUMBER_BYTES = 24;
/** Characters JSON writes as themselves, one byte each: printable ASCII but `"` and `\`. */
const PLAIN_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const depthMarker = (maxDepth: number) => `[truncated: nested deeper than ${maxDepth} levels]`;
const sharedMarker = (key: string) => `[stored once: see attributes[${JSON.stringify(key)}]]`;

/** A string's size as a JSON value in UTF-8, quotes included; a regexp test for the usual plain ASCII. */
const jsonStringBytes = (s: string): number =>
  PLAIN_JSON.test(s) ? s.length + 2 : Buffer.byteLength(JSON.stringify(s));

/** Digits of an integer, sign included; the longest form for anything else. */
function numberBytes(n: number): number {
  if (!Number.isSafeInteger(n)) return Number.isFinite(n) ? MAX_NUMBER_BYTES : 4; // NaN, ±Infinity → null
  let digits = n < 0 ? 2 : 1;
  for (let rest = Math.abs(n); rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/** What a string becomes, and its JSON size. */
interface BoundedString {
  text: string;
  bytes: number;
}

/** Where a bag sits in the record, which decides its rules. */
const enum Bag {
  /** The record's own fields. */
  Fields,
  /** `attributes`: large values noted, to be kept once. */
  Attributes,
  /** `native`: a bag of bags. */
  NativeBags,
  /** Any other object: inside `attributes`, or inside a native bag. */
  Plain,
  NativePlain,
}

export class RecordSanitizer {
  private readonly strings = new Map<string, BoundedString>();
  private readonly longStrings = new Map<string, BoundedString>();
  /** Per key: its JSON size ×2, +1 when it names a credential. */
  private keys = new Map<string, number>();
  private readonly cachedLength: number;
  private readonly idLength: number;
  /**
   * Frozen native bags (OTLP's resource, shared by every span of a payload) that came through unchanged, small
   * enough that no value in them can be a pointer to a large attribute: their size. Frozen, so what was
   * measured is what is there.
   */
  private readonly cleanBags = new WeakMap<object, number>();

  constructor(readonly limits: Readonly<ValueLimits> = DEFAULT_VALUE_LIMITS) {
    this.cachedLength = Math.min(CACHED_STRING_LENGTH, limits.maxValueBytes);
    this.idLength = Math.min(MAX_ID_LENGTH, limits.maxValueBytes);
  }

  /** A frozen bag's size when it is known to come through unchanged; undefined else. */
  cleanBagBytes(bag: object): number | undefined {
    return this.cleanBags.get(bag);
  }

  rememberCleanBag(bag: object, bytes: number): void {
    if (Object.isFrozen(bag)) this.cleanBags.set(bag, bytes);
  }

  /**
   * `record` bounded, and its serialized size in bytes (an upper bound, see above). Copy on write: a record
   * with nothing to change comes back as the same object (most do), so ingest allocates little; `record`
   * itself is never modified.
   */
  sanitize<T extends object>(record: T): { record: T; bytes: number } {
    const walk = new Walk(this);
    const out = walk.object(record as Record<string, unknown>, Bag.Fields, 0);
    return { record: out as T, bytes: walk.bytes + RECORD_OVERHEAD_BYTES };
  }

  /** `s` truncated and redacted, with its JSON size. */
  bound(s: string): BoundedString {
    // Ids are new on every span: a cache entry each would only evict the names and values that do repeat.
    if (s.length <= this.idLength && isIdLike(s)) return { text: s, bytes: s.length + 2 };
    if (s.length <= this.cachedLength) return this.cached(s, this.strings, CACHE_SIZE);
    if (s.length <= LONG_CACHED_LENGTH) return this.cached(s, this.longStrings, LONG_CACHE_SIZE);
    return this.boundUncached(s);
  }

  /** From `cache` (dropped whole when full); a hit also hands back the string kept, so equal values share it. */
  private cached(s: string, cache: Map<string, BoundedString>, size: number): BoundedString {
    let known = cache.get(s);
    if (known === undefined) {
      known = this.boundUncached(s);
      if (cache.size >= size) cache.clear();
      cache.set(s, known);
    }
    return known;
  }

  private boundUncached(s: string): BoundedString {
    const bounded = s.length > this.limits.maxValueBytes ? truncate(s, this.limits.maxValueBytes) : s;
    const text = redactText(bounded);
    return { text, bytes: jsonStringBytes(text) };
  }

  /** A key's JSON size ×2, +1 when it names a credential (the key as given: callers bound it first). */
  keyVerdict(key: string): number {
    let known = this.keys.get(key);
    if (known === undefined) {
      known = (jsonStringBytes(key) << 1) | (isSecretKey(key) ? 1 : 0);
      if (this.keys.size >= CACHE_SIZE) this.keys = new Map();
      this.keys.set(key, known);
    }
    return known;
  }
}

/** Longest id the fast path takes: X-Ray's `1-xxxxxxxx-<24 hex>` is 35; W3C trace ids 32. */
const MAX_ID_LENGTH = 64;

/**
 * Hex digits and dashes only (span and trace ids, X-Ray's too): nothing in redact.ts matches such a string, its
 * JSON is itself in quotes, and it is shorter than any per-value limit, so it is kept as it is.
 */
function isIdLike(s: string): boolean {
  if (s.length === 0 || s.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || c === 45)) return false;
  }
  return true;
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

  constructor(private readonly sanitizer: RecordSanitizer) {}

  /**
   * `bag` (at `depth` in the record) with every own entry bounded, its key first; the same object when no key
   * or value changed. for…in, not Object.entries, and no callback: this runs for every bag of every record.
   */
  object(bag: Record<string, unknown>, kind: Bag, depth: number): Record<string, unknown> {
    this.bytes += 2;
    let out: Record<string, unknown> | null = null;
    for (const rawKey in bag) {
      if (!Object.hasOwn(bag, rawKey)) continue;
      const raw = bag[rawKey];
      const key = rawKey.length > MAX_KEY_LENGTH ? truncate(rawKey, MAX_KEY_LENGTH) : rawKey;
      const verdict = this.sanitizer.keyVerdict(key);
      this.bytes += (verdict >> 1) + 2; // the key, its colon and a comma
      let next: unknown;
      if (kind === Bag.Fields) {
        if (key === 'attributes' && isBag(raw)) next = this.object(raw, Bag.Attributes, depth + 1);
        else if (key === 'native' && isBag(raw)) next = this.object(raw, Bag.NativeBags, depth + 1);
        else next = this.value(raw, depth + 1, false);
      } else if (kind === Bag.NativeBags) next = this.nativeBag(raw, depth + 1);
      else if (verdict & 1) next = this.redacted(raw);
      else if (kind === Bag.Attributes) next = this.attribute(key, raw, depth + 1);
      else next = this.value(raw, depth + 1, kind === Bag.NativePlain);
      if (out === null && (next !== raw || key !== rawKey)) out = entriesBefore(bag, rawKey);
      if (out !== null) put(out, key, next);
    }
    return out ?? bag;
  }

  /** One bag of `native`; a frozen one already seen whole and unchanged is counted, not walked again. */
  private nativeBag(raw: unknown, depth: number): unknown {
    if (!isBag(raw)) return this.value(raw, depth, true);
    const known = this.sanitizer.cleanBagBytes(raw);
    if (known !== undefined) {
      this.bytes += known;
      return raw;
    }
    const before = this.bytes;
    const out = this.value(raw, depth, true);
    const bytes = this.bytes - before;
    // Below SHARED_MIN_BYTES no value in it can be (or become, in another record) a stored-once pointer.
    if (out === raw && bytes < SHARED_MIN_BYTES) this.sanitizer.rememberCleanBag(raw, bytes);
    return out;
  }

  private attribute(key: string, raw: unknown, depth: number): unknown {
    const before = this.bytes;
    const value = this.value(raw, depth, false);
    const large = this.bytes - before >= SHARED_MIN_BYTES;
    if (large && raw !== null && (typeof raw === 'string' || typeof raw === 'object')) {
      this.shared ??= new Map();
      if (!this.shared.has(raw)) this.shared.set(raw, key);
    }
    return value;
  }

  /** `v` at `depth`: a container deeper than the limit becomes a marker. */
  private value(v: unknown, depth: number, inNative: boolean): unknown {
    if (typeof v === 'string') {
      if (inNative && v.length >= SHARED_MIN_BYTES && this.shared?.has(v)) return this.pointer(v);
      return this.string(v);
    }
    if (typeof v === 'number') {
      this.bytes += numberBytes(v);
      return v;
    }
    if (typeof v === 'boolean') {
      this.bytes += 5;
      return v;
    }
    // JSON has no BigInt; a decoder that hands one over would otherwise break every answer.
    if (typeof v === 'bigint') return this.string(v.toString());
    if (v === null || typeof v !== 'object') {
      this.bytes += 4; // null, or an undefined that JSON leaves out or writes as null
      return v === undefined ? undefined : null;
    }
    if (inNative && this.shared?.has(v)) return this.pointer(v);
    // A Date or the like is stored as what JSON writes for it, so the record and its size agree with its JSON.
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      return this.value((v as { toJSON(): unknown }).toJSON(), depth, inNative);
    }
    const { maxDepth } = this.sanitizer.limits;
    if (depth > maxDepth) return this.string(depthMarker(maxDepth));
    if (Array.isArray(v)) return this.array(v, depth, inNative);
    return this.object(v as Record<string, unknown>, inNative ? Bag.NativePlain : Bag.Plain, depth);
  }

  private array(list: unknown[], depth: number, inNative: boolean): unknown[] {
    this.bytes += 2 + list.length; // brackets and commas
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
    this.bytes += REDACTED_BYTES;
    return v === null || v === undefined || v === '' ? v : REDACTED;
  }

  private string(s: string): string {
    const { text, bytes } = this.sanitizer.bound(s);
    this.bytes += bytes;
    return text;
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
