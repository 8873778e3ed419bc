/**
 * Span names as each vendor's console shows them (issue 14, side by side): Datadog lists a span by its resource
 * with the operation name beside it, X-Ray by its segment or subsegment name, Sentry by its description with the
 * op beside it, OTel backends by the span name. `nativeKey` names the vendor's own field, shown on hover.
 */
import type { SandboxVendor, SpanRecord } from '../model';

export interface ConsoleName {
  /** What the vendor's trace view shows first. */
  label: string;
  /** The operation shown beside it (Datadog's operation name, Sentry's op), when it differs. */
  op: string | null;
  /** The vendor's field the label comes from, e.g. `resource`, `subsegment.name`. */
  nativeKey: string;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

export function consoleName(vendor: SandboxVendor, span: SpanRecord): ConsoleName {
  const a = span.attributes;
  switch (vendor) {
    case 'datadog': {
      const resource = text(a['resource.name']);
      if (resource && resource !== span.name)
        return { label: resource, op: span.name, nativeKey: 'resource' };
      return { label: span.name, op: null, nativeKey: 'name (operation)' };
    }
    case 'xray':
      return {
        label: span.name,
        op: null,
        nativeKey: span.kind === 'server' ? 'segment.name' : 'subsegment.name',
      };
    case 'sentry': {
      const op = text(a['sentry.op']);
      return { label: span.name, op: op && op !== span.name ? op : null, nativeKey: 'description' };
    }
    default:
      return { label: span.name, op: null, nativeKey: 'name' };
  }
}
