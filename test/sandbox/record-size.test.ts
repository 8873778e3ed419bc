/**
 * The byte budget counts each record as the size the sanitizer measures while it walks it (sandbox/sanitize.ts).
 * That figure must never be below the record's real UTF-8 JSON size, or a full budget would hold more than it
 * says: checked on what the OTLP decoder makes of the OTel SDK's own payload, on the secret corpus, and on
 * hostile shapes (escapes, non-ASCII, lone surrogates, extreme numbers, sparse arrays, deep nesting, dates).
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { tracesToBatch } from '../../sandbox/ingest/otlp-map';
import { decodeTraceRequest } from '../../sandbox/ingest/otlp-proto';
import { RecordSanitizer } from '../../sandbox/sanitize';
import {
  deepSecret,
  INNOCENT_TEXTS,
  secretErrorMessage,
  secretLogText,
  secretTextAttributes,
} from '../fixtures/secret-corpus';
import { error, log, span } from './records';

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Sanitizes each record, and checks the size it counted against the JSON of what it kept. */
function expectNeverUnder(records: object[], sanitizer = new RecordSanitizer()): number[] {
  const slack: number[] = [];
  for (const original of records) {
    const { record, bytes } = sanitizer.sanitize(original);
    const real = jsonBytes(record);
    expect(bytes, JSON.stringify(record).slice(0, 200)).toBeGreaterThanOrEqual(real);
    slack.push(bytes / real);
    // Measured again (a replay, an import) it counts the same.
    expect(sanitizer.sanitize(record).bytes).toBe(bytes);
  }
  return slack;
}

async function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'activities', 'host.name': 'bench' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('size-test');
  for (let i = 0; i < 10; i++) {
    const root = tracer.startSpan('GET /activities/:id', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.response.status_code': 200,
        'url.path': `/activities/${i}`,
        ratio: i / 3,
        ok: true,
      },
    });
    const child = tracer.startSpan('SELECT', {}, trace.setSpan(context.active(), root));
    child.recordException(new Error(`boom "${i}"`));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    root.end();
  }
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return tracesToBatch(decodeTraceRequest(ProtobufTraceSerializer.serializeRequest(spans)!), 'otlp');
}

describe('the size the byte budget counts', () => {
  it('is never below the JSON size, and close to it, for what the OTLP decoder makes of SDK payloads', async () => {
    const batch = await sdkSpans();
    const slack = expectNeverUnder([...batch.spans, ...batch.errors]);
    // An estimate that counts far more than is held would waste the budget: within 1.5× on real spans.
    expect(Math.max(...slack)).toBeLessThan(1.5);
  });

  it('is never below the JSON size on the secret corpus', () => {
    expectNeverUnder([
      span('otlp', 't', 's', { attributes: { ...secretTextAttributes(), deep: deepSecret(12) } }),
      error('sentry', { message: secretErrorMessage(), native: { extra: { secret: deepSecret(4) } } }),
      log('cloudwatch', { message: secretLogText() }),
      ...INNOCENT_TEXTS.map((text) => log('rollbar', { message: text })),
    ]);
  });

  it('is never below the JSON size on hostile shapes', () => {
    let deep: Record<string, unknown> = { leaf: '"\\\n' };
    for (let i = 0; i < 100; i++) deep = { [`k"${i}`]: deep };
    const sparse: unknown[] = [];
    sparse[20] = 'x';
    const hostile: Record<string, unknown> = {
      quotes: '"'.repeat(500),
      backslashes: '\\'.repeat(300),
      controls: '\u0000\u0001\u001f\n\t'.repeat(100),
      unicode: 'é漢🚀'.repeat(200),
      loneSurrogates: '\ud800\udfff\ud800x'.repeat(50),
      'key "with" quotes\n': 1,
      'ключ🚀': 'значение',
      numbers: [
        0,
        -0,
        1e21,
        -1.2345678901234567 * 1e-300,
        Number.MAX_VALUE,
        Number.MIN_VALUE,
        NaN,
        Infinity,
        -1,
        2 ** 53,
        0.1,
      ],
      booleans: [true, false],
      empty: ['', null, undefined, {}, []],
      sparse,
      date: new Date(0),
      big: 12345678901234567890n,
      deep,
      huge: `${'é'.repeat(70_000)}"`,
      [`${'k'.repeat(2000)}"`]: 'long key',
    };
    expectNeverUnder([
      span('otlp', 't', 's', { attributes: hostile, native: { attributes: hostile, more: { hostile } } }),
      error('sentry', { attributes: hostile, native: { extra: hostile } }),
      log('rollbar', { attributes: hostile }),
    ]);
    // A small per-value limit truncates, and still never under-counts.
    expectNeverUnder(
      [log('rollbar', { attributes: hostile })],
      new RecordSanitizer({ maxValueBytes: 300, maxDepth: 4 }),
    );
  });
});
