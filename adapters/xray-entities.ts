/**
 * Small rules for writing into X-Ray segments and subsegments, kept apart from the adapter so they can be read
 * (and tested) on their own. Nothing here loads the SDK: it only works on the objects the SDK hands out.
 */
import type { Segment, Subsegment } from 'aws-xray-sdk-core';
import type { Attributes } from './types';

export type XrayEntity = Segment | Subsegment;

/**
 * X-Ray annotation keys allow only letters, digits and underscores
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-annotations),
 * so `bakeoff.run_id` becomes `bakeoff_run_id`; the SDK would otherwise send a key the service drops.
 */
export function annotationKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}

/** The request's segment, from itself or from any subsegment under it. */
export function rootOf(entity: XrayEntity): Segment {
  return 'segment' in entity && entity.segment ? entity.segment : (entity as Segment);
}

/** An error carrying an HTTP status in 400–499 (the app's `HttpError`, an injected 4xx fault). */
export function isClientError(error: unknown): boolean {
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status;
  const code = typeof status === 'number' ? status : (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500;
}

/**
 * Records the exception in the entity's `cause` and flags it. X-Ray distinguishes `fault` (server error, 5xx)
 * from `error` (client error, 4xx); the SDK's `addError` always sets `fault`, so a client error trades it for
 * the `error` flag, the way the SDK's own middleware flags a 4xx response.
 */
export function recordError(entity: XrayEntity, error: Error, clientError: boolean): void {
  entity.addError(error);
  if (clientError) {
    delete (entity as { fault?: boolean }).fault;
    entity.addErrorFlag();
  }
}

/** Closes a subsegment with the error recorded and flagged as `recordError` does. */
export function closeWithError(subsegment: Subsegment, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  recordError(subsegment, err, isClientError(error));
  subsegment.close();
}

/**
 * Span attributes become annotations (indexed, searchable in the console's filter expressions). A database
 * statement also fills the subsegment's native `sql` block, which the console shows on the SQL tab.
 */
export function describeSubsegment(subsegment: Subsegment, attributes: Attributes | undefined): void {
  if (!attributes) return;
  for (const [key, value] of Object.entries(attributes)) subsegment.addAnnotation(annotationKey(key), value);
  const statement = attributes['db.statement'];
  if (typeof statement === 'string') {
    subsegment.addAttribute('sql', {
      sanitized_query: statement,
      database_type: String(attributes['db.system'] ?? 'unknown'),
    });
  }
}
