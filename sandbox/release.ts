/**
 * One `release` field on every record, whatever the vendor called it: OTel `service.version`, Sentry `release`,
 * Datadog `version`, Rollbar `code_version`, X-Ray `service.version`. Each manifest's `release.sandboxAttributes`
 * says where the decoder left it (vendors/), so the sandbox keeps no list of its own.
 */
import { VENDORS } from '../vendors';
import type { IngestBatch, IngestSink, SandboxVendor } from './model';

const NO_KEYS: readonly string[] = [];

function keysOf(vendor: SandboxVendor): readonly string[] {
  return VENDORS[vendor]?.release?.sandboxAttributes ?? NO_KEYS;
}

function firstString(attributes: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/**
 * Sets `release` on each record of the batch that carries its vendor's release attribute. An error or log line
 * without one takes its trace's, from a span of the same payload: OTel keeps the release on the resource, not
 * on an exception event, and dd-trace tags only the service-entry span with `version`.
 */
export function fileReleases(vendor: SandboxVendor, batch: IngestBatch): void {
  const keys = keysOf(vendor);
  if (keys.length === 0) return;
  const byTrace = new Map<string, string>();
  for (const span of batch.spans) {
    const release = firstString(span.attributes, keys);
    if (release === undefined) continue;
    span.release = release;
    if (!byTrace.has(span.traceId)) byTrace.set(span.traceId, release);
  }
  for (const records of [batch.errors, batch.logs]) {
    for (const record of records) {
      const release =
        firstString(record.attributes, keys) ?? (record.traceId ? byTrace.get(record.traceId) : undefined);
      if (release !== undefined) record.release = release;
    }
  }
}

/** The sink ingest modules write to: releases filed, then on to `sink`. */
export function withReleases(sink: IngestSink): IngestSink {
  return {
    accept(vendor, meta, batch) {
      fileReleases(vendor, batch);
      sink.accept(vendor, meta, batch);
    },
  };
}
