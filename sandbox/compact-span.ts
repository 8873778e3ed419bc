/**
 * OTel spans held in a smaller form until something reads them. An OTel span record carries its span's own
 * attributes (`native.attributes`), its resource (`native.resource`, one object shared by every span of the
 * request) and, in `attributes`, both flattened into a third bag. The store keeps such a span as one record
 * whose `attributes` is the span's own bag and whose `native` is the resource, and rebuilds the exact record
 * (same keys, same order, same values) when it is read: two objects and a dozen slots fewer per span for the
 * garbage collector to copy and mark while 200 000 spans are held (docs/performance.md, "The sandbox under
 * load"). What the store counts against its byte budget is measured on the full record, before compaction.
 */
import type { SpanRecord } from './model';

const isBag = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resource bags' keys, made once per resource (one per request) rather than per span. */
const resourceKeys = new WeakMap<object, string[]>();

function keysOf(resource: Readonly<Record<string, unknown>>): string[] {
  let keys = resourceKeys.get(resource);
  if (keys === undefined) {
    keys = Object.keys(resource);
    resourceKeys.set(resource, keys);
  }
  return keys;
}

/**
 * The compact form of `span` when it is exactly `{attributes: Object.assign({}, resource, own), native:
 * {attributes: own, resource}}` with a frozen resource (what both OTLP decoders make, after bounding); else
 * null. A new object: the caller's record is never changed.
 */
export function compactSpan(span: SpanRecord): SpanRecord | null {
  const native = span.native;
  if (!isBag(native)) return null;
  const own = native.attributes;
  const resource = native.resource;
  if (!isBag(own) || !isBag(resource) || !isBag(span.attributes) || !Object.isFrozen(resource)) return null;
  let bags = 0;
  for (const key in native) if (Object.hasOwn(native, key)) bags++;
  if (bags !== 2 || !isFlattening(span.attributes, resource, own)) return null;
  return { ...span, attributes: own, native: resource as unknown as SpanRecord['native'] };
}

/** The full record of a compact span: the one `compactSpan` was given, rebuilt. */
export function expandSpan(compact: SpanRecord): SpanRecord {
  const own = compact.attributes;
  const resource = compact.native as unknown as Record<string, unknown>;
  return { ...compact, attributes: Object.assign({}, resource, own), native: { attributes: own, resource } };
}

/** The keys of `flat` past the resource's, in order; reused, so a check allocates nothing. */
const extraKeys: string[] = [];

/**
 * Whether `flat` has the own keys, order and values `Object.assign({}, resource, own)` gives (and no
 * `__proto__`, which Object.assign would not copy as a key).
 */
function isFlattening(
  flat: Record<string, unknown>,
  resource: Readonly<Record<string, unknown>>,
  own: Record<string, unknown>,
): boolean {
  const expected = keysOf(resource);
  let i = 0;
  extraKeys.length = 0;
  for (const key in flat) {
    if (!Object.hasOwn(flat, key) || key === '__proto__') return false;
    if (i < expected.length) {
      if (key !== expected[i++]) return false;
      if (flat[key] !== (Object.hasOwn(own, key) ? own[key] : resource[key])) return false;
    } else {
      if (!Object.hasOwn(own, key) || Object.hasOwn(resource, key) || flat[key] !== own[key]) return false;
      extraKeys.push(key);
    }
  }
  if (i < expected.length) return false;
  // The own keys that are not the resource's come after its keys, in own's order.
  let at = 0;
  for (const key in own) {
    if (!Object.hasOwn(own, key) || key === '__proto__') return false;
    if (Object.hasOwn(resource, key)) continue;
    if (extraKeys[at++] !== key) return false;
  }
  return at === extraKeys.length;
}
