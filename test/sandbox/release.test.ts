/**
 * The sandbox files each vendor's own release field as one `release` on the record (sandbox/release.ts), as the
 * manifests name it; the adapters' side is checked end to end by the conformance suite (test/adapters/suite.ts).
 */
import { describe, expect, it } from 'vitest';
import { emptyBatch, type ErrorRecord, type SandboxVendor, type SpanRecord } from '../../sandbox/model';
import { fileReleases } from '../../sandbox/release';

const span = (vendor: SandboxVendor, attributes: Record<string, unknown>, traceId = 't1'): SpanRecord => ({
  vendor,
  traceId,
  spanId: `s-${Math.random()}`,
  parentId: null,
  name: 'GET /',
  service: 'activities',
  kind: 'server',
  startMs: 0,
  durationMs: 1,
  attributes,
  native: {},
  status: 'unset',
});

const error = (
  vendor: SandboxVendor,
  attributes: Record<string, unknown>,
  traceId: string | null,
): ErrorRecord => ({
  vendor,
  type: 'Error',
  message: 'boom',
  frames: [],
  level: 'error',
  timestamp: 0,
  traceId,
  spanId: null,
  runId: null,
  seq: null,
  attributes,
  native: {},
});

describe('fileReleases', () => {
  it.each([
    ['honeycomb', { 'service.version': '1.0.0' }],
    ['datadog', { version: '1.0.0' }],
    ['sentry', { 'sentry.release': '1.0.0' }],
    ['xray', { 'xray.service.version': '1.0.0' }],
  ] as const)('files %s native release field as the span release', (vendor, attributes) => {
    const batch = emptyBatch();
    batch.spans.push(span(vendor, attributes));
    fileReleases(vendor, batch);
    expect(batch.spans[0].release).toBe('1.0.0');
  });

  it('reads Sentry and Rollbar errors from their own fields', () => {
    const sentry = emptyBatch();
    sentry.errors.push(error('sentry', { release: 's-1' }, null));
    fileReleases('sentry', sentry);
    expect(sentry.errors[0].release).toBe('s-1');
    const rollbar = emptyBatch();
    rollbar.errors.push(error('rollbar', { code_version: 'r-1' }, null));
    fileReleases('rollbar', rollbar);
    expect(rollbar.errors[0].release).toBe('r-1');
  });

  it("gives an error without the field its trace's release from the same payload, and no other trace's", () => {
    const batch = emptyBatch();
    batch.spans.push(span('datadog', { version: '2.0.0' }, 'with'), span('datadog', {}, 'with'));
    batch.errors.push(error('datadog', {}, 'with'), error('datadog', {}, 'other'));
    fileReleases('datadog', batch);
    expect(batch.spans.map((s) => s.release)).toEqual(['2.0.0', undefined]);
    expect(batch.errors.map((e) => e.release)).toEqual(['2.0.0', undefined]);
  });

  it("ignores another vendor's field name, and vendors without a release notion", () => {
    const batch = emptyBatch();
    batch.spans.push(span('honeycomb', { version: '3.0.0' }));
    fileReleases('honeycomb', batch);
    expect(batch.spans[0].release).toBeUndefined();
    const logs = emptyBatch();
    logs.logs.push({
      vendor: 'cloudwatch',
      timestamp: 0,
      level: 'info',
      message: 'x',
      traceId: null,
      spanId: null,
      runId: null,
      seq: null,
      group: null,
      stream: null,
      attributes: { 'service.version': '3.0.0', version: '3.0.0' },
    });
    fileReleases('cloudwatch', logs);
    expect(logs.logs[0].release).toBeUndefined();
  });
});
