/**
 * OTel spans are held compact (sandbox/compact-span.ts) and rebuilt when read: every reader must get exactly the
 * record it would have got from the full form — same keys, same order, same values — and spans that are not
 * the plain OTel shape must be held as they are.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { compactSpan, expandSpan } from '../../sandbox/compact-span';
import { tracesToBatch } from '../../sandbox/ingest/otlp-map';
import { decodeTraceMessage, decodeTraceRequest } from '../../sandbox/ingest/otlp-proto';
import type { SpanRecord } from '../../sandbox/model';
import { RecordSanitizer } from '../../sandbox/sanitize';
import { SandboxStore } from '../../sandbox/store';
import { meta, span } from './records';

/** The OTel SDK's own protobuf for a few requests: a credential to redact, a shadowed resource key, events. */
async function sdkPayload(): Promise<Buffer> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'activities',
      'host.name': 'h',
      'deployment.env': 'x',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('compact-test');
  for (let i = 0; i < 10; i++) {
    const root = tracer.startSpan(`GET /activities/${i}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'bakeoff.run_id': 'run-1',
        'bakeoff.seq': i,
        'db.password': 'hunter2',
        ratio: i / 7,
        tags: ['a', `b${i}`],
        ...(i % 3 === 0 ? { 'host.name': 'shadowed' } : {}),
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    const child = tracer.startSpan('SELECT', { kind: SpanKind.CLIENT }, ctx);
    if (i % 2 === 0) {
      child.recordException(new Error(`boom ${i}`));
      child.setStatus({ code: SpanStatusCode.ERROR, message: `boom ${i}` });
    }
    child.end();
    root.end();
  }
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

/** What the store would have kept without compaction: the record bounded and redacted. */
const bounded = (records: SpanRecord[]) => records.map((r) => new RecordSanitizer().sanitize(r).record);

describe('compact OTel spans', () => {
  it('rebuild to the very record they were made from, key order included, from both OTLP decoders', async () => {
    const body = await sdkPayload();
    for (const request of [decodeTraceRequest(body), decodeTraceMessage(body)]) {
      const records = bounded(tracesToBatch(request, 'otlp').spans);
      expect(records).toHaveLength(20);
      for (const record of records) {
        const compact = compactSpan(record);
        expect(compact).not.toBeNull();
        // Two bags fewer: the span's own attributes and the shared resource, nothing flattened.
        expect(compact!.attributes).toBe(record.native.attributes);
        expect(compact!.native).toBe(record.native.resource);
        expect(JSON.stringify(expandSpan(compact!))).toBe(JSON.stringify(record));
      }
    }
  });

  it('leave every other shape alone', () => {
    const resource = Object.freeze({ 'service.name': 'a' });
    const own = { k: 1 };
    const otel = (over: Partial<SpanRecord>) =>
      span('otlp', 't', 's', {
        attributes: { 'service.name': 'a', k: 1 },
        native: { attributes: own, resource },
        ...over,
      });
    expect(compactSpan(otel({}))).not.toBeNull();
    // Another vendor's bags, a third bag, a resource that could still change, a flattened bag that differs
    // from its parts (in a value, in key order, in a missing key).
    expect(compactSpan(span('xray', 't', 's', { native: { annotations: {}, metadata: {} } }))).toBeNull();
    expect(compactSpan(otel({ native: { attributes: own, resource, extra: {} } }))).toBeNull();
    expect(compactSpan(otel({ native: { attributes: own, resource: { 'service.name': 'a' } } }))).toBeNull();
    expect(compactSpan(otel({ attributes: { 'service.name': 'a', k: 2 } }))).toBeNull();
    expect(compactSpan(otel({ attributes: { k: 1, 'service.name': 'a' } }))).toBeNull();
    expect(compactSpan(otel({ attributes: { 'service.name': 'a' } }))).toBeNull();
    // Malformed records (an import) are held as they came, never a reason to fail.
    expect(compactSpan(otel({ native: undefined as unknown as SpanRecord['native'] }))).toBeNull();
    expect(compactSpan(otel({ attributes: undefined as unknown as SpanRecord['attributes'] }))).toBeNull();
  });

  it('are what every store reader returns: spans, traces, views, export, and merges of two versions', async () => {
    const body = await sdkPayload();
    const expected = bounded(tracesToBatch(decodeTraceRequest(body), 'otlp').spans);
    const store = new SandboxStore();
    store.accept('otlp', meta(body.length), tracesToBatch(decodeTraceRequest(body), 'otlp'));
    const byId = new Map(expected.map((r) => [r.spanId, JSON.stringify(r)]));
    const same = (records: SpanRecord[]) => {
      for (const r of records) expect(JSON.stringify(r)).toBe(byId.get(r.spanId));
    };

    // Export first: a one-off read leaves the spans compact, and rebuilds them whole.
    same([...store.exportLines()].flatMap((line) => line.spans));
    for (const t of store.listTraces()) same(store.getTrace('otlp', t.traceId)!.spans);
    for (const { spans } of store.traceEntries()) same([...spans]);
    same(expected.map((r) => store.span('otlp', r.traceId, r.spanId)!));
    // A read span stays the same object for the next reader.
    const first = expected[0];
    expect(store.span('otlp', first.traceId, first.spanId)).toBe(
      store.span('otlp', first.traceId, first.spanId),
    );

    // A later version of a compact span merges with the full record, as before.
    const again = new SandboxStore();
    again.accept('otlp', meta(1), tracesToBatch(decodeTraceRequest(body), 'otlp'));
    const later = { ...first, name: 'renamed', attributes: { ...first.attributes, added: 1 } };
    again.accept('otlp', meta(1), { spans: [later], errors: [], logs: [] });
    const merged = again.span('otlp', first.traceId, first.spanId)!;
    expect(merged.name).toBe('renamed');
    expect(merged.attributes).toEqual({ ...first.attributes, added: 1 });
    expect(merged.native.resource).toEqual(first.native.resource);
  });
});
