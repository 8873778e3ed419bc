/**
 * The one-pass protobuf reader (sandbox/ingest/otlp-wire.ts) against protobufjs + otlp-map.ts, the path it
 * replaced on the hot path: on the OTel SDK's own serialization, on hand-built edge cases, and on a thousand
 * mangled payloads, either both refuse or both give the very same records.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { tracesToBatch } from '../../sandbox/ingest/otlp-map';
import { decodeTraceMessage, decodeTraceRequest } from '../../sandbox/ingest/otlp-proto';
import type { IngestBatch } from '../../sandbox/model';

type Outcome = { batch: IngestBatch } | { refused: true };

function outcome(decode: () => { resourceSpans?: unknown[] }): Outcome {
  let request: { resourceSpans?: unknown[] };
  try {
    request = decode();
  } catch {
    return { refused: true };
  }
  return { batch: tracesToBatch(request, 'honeycomb') };
}

const viaProtobufjs = (body: Buffer) => outcome(() => decodeTraceMessage(body));
const viaWire = (body: Buffer) => outcome(() => decodeTraceRequest(body));

/** What the OTel SDK sends for a few requests: every attribute type, events, links, errors, two resources. */
async function sdkPayload(service: string): Promise<Buffer> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'bench', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('wire-test', '1.2.3');
  for (let i = 0; i < 20; i++) {
    const root = tracer.startSpan(`GET /activities/${i % 3}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 200 + i,
        'bakeoff.run_id': 'run-ü-1',
        'bakeoff.seq': i,
        ratio: i / 7,
        big: 2 ** 53 + i * 2,
        negative: -(2 ** 40) - i,
        ok: i % 2 === 0,
        tags: ['a', 'b', `c${i}`],
        counts: [1, 2, 3],
        'db.statement': 'SELECT * FROM t WHERE password = $1 AND token=abc',
        emoji: 'span 🚀 naïve',
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    const child = tracer.startSpan('SELECT activities', { kind: SpanKind.CLIENT }, ctx);
    child.addEvent('cache.miss', { 'cache.key': `k${i}` });
    child.addLink({ context: root.spanContext(), attributes: { 'link.kind': 'parent' } });
    if (i % 4 === 0) {
      child.recordException(new Error(`boom ${i}`));
      child.setStatus({ code: SpanStatusCode.ERROR, message: `boom ${i}` });
    } else child.setStatus({ code: SpanStatusCode.OK });
    child.end();
    tracer.startSpan('internal', { kind: SpanKind.INTERNAL }, ctx).end();
    tracer.startSpan('produce', { kind: SpanKind.PRODUCER }, ctx).end();
    root.end();
  }
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

/** A small seeded generator, so a failure names a case that can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Hand-encoded protobuf, for shapes no SDK sends.
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
};
const field = (number: number, wire: number) => varint((number << 3) | wire);
const bytesField = (number: number, content: number[] | Buffer) => [
  ...field(number, 2),
  ...varint(content.length),
  ...content,
];
const str = (number: number, text: string) => bytesField(number, Buffer.from(text));
const fixed64 = (number: number, value: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return [...field(number, 1), ...b];
};
const keyValue = (key: string, anyValue: number[]) => [...str(1, key), ...bytesField(2, anyValue)];
/** An ExportTraceServiceRequest with one resource, one scope and the given spans. */
const request = (resource: number[], spans: number[][]) =>
  Buffer.from(
    bytesField(1, [
      ...bytesField(1, resource),
      ...bytesField(
        2,
        spans.flatMap((span) => bytesField(2, span)),
      ),
    ]),
  );
const ids = [...bytesField(1, Buffer.alloc(16, 0xab)), ...bytesField(2, Buffer.alloc(8, 0xcd))];

describe('otlp-wire: the one-pass protobuf reader', () => {
  it('gives the same records as protobufjs on the OTel SDK’s own payloads', async () => {
    for (const service of ['activities', 'gateway']) {
      const body = await sdkPayload(service);
      const wire = viaWire(body);
      expect(wire).toStrictEqual(viaProtobufjs(body));
      const batch = (wire as { batch: IngestBatch }).batch;
      expect(batch.spans).toHaveLength(80);
      expect(batch.errors).toHaveLength(5);
      const root = batch.spans.find((s) => s.name === 'GET /activities/1')!;
      expect(root.attributes).toMatchObject({ big: '9007199254740994', emoji: 'span 🚀 naïve', ok: false });
    }
  });

  it('gives the same answer on edge cases: big ints, bytes, nesting, merges, defaults, unknown fields', () => {
    const deep = (levels: number): number[] =>
      levels === 0 ? str(1, 'bottom') : bytesField(6, keyValue('d', deep(levels - 1)));
    const cases: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      'int64 extremes': request(
        [],
        [
          [
            ...ids,
            ...bytesField(9, keyValue('max', [...field(3, 0), ...varint(2n ** 63n - 1n)])),
            ...bytesField(9, keyValue('min', [...field(3, 0), ...varint(-(2n ** 63n))])),
            ...bytesField(9, keyValue('safe', [...field(3, 0), ...varint(2n ** 53n - 1n)])),
            ...bytesField(9, keyValue('unsafe', [...field(3, 0), ...varint(-(2n ** 53n))])),
            ...bytesField(9, keyValue('bytes', bytesField(7, Buffer.from([0, 255, 1])))),
            ...bytesField(9, keyValue('', str(1, 'no key'))),
            ...bytesField(9, keyValue('none', [])),
          ],
        ],
      ),
      'a oneof sent twice: the last member wins, a repeated list merges': request(
        [],
        [
          [
            ...ids,
            ...bytesField(
              9,
              keyValue('mixed', [
                ...str(1, 'first'),
                ...field(2, 0),
                ...varint(1),
                ...bytesField(5, str(1, 'x')),
              ]),
            ),
            ...bytesField(9, [
              ...str(1, 'twice'),
              ...bytesField(2, bytesField(5, str(1, 'a'))),
              ...bytesField(2, bytesField(5, str(1, 'b'))),
            ]),
          ],
        ],
      ),
      'a resource sent twice, after the spans': Buffer.from(
        bytesField(1, [
          ...bytesField(2, bytesField(2, [...ids, ...str(5, 'late resource')])),
          ...bytesField(1, bytesField(1, keyValue('service.name', str(1, 'one')))),
          ...bytesField(1, bytesField(1, keyValue('host.name', str(1, 'two')))),
        ]),
      ),
      'end before start, zero ids, status twice, kind out of range': request(
        [],
        [
          [
            ...bytesField(1, Buffer.alloc(16)),
            ...bytesField(2, Buffer.alloc(8, 1)),
            ...str(5, 'odd'),
            ...field(6, 0),
            ...varint(-3),
            ...fixed64(7, 1_700_000_000_123_456_789n),
            ...fixed64(8, 1_700_000_000_000_000_000n),
            ...bytesField(15, [...field(3, 0), ...varint(2)]),
            ...bytesField(15, str(2, 'merged message')),
            ...bytesField(11, str(2, 'no time')),
          ],
        ],
      ),
      'a known field with the wrong wire type, an unknown field, a group': request(
        [],
        [
          [
            ...ids,
            ...field(5, 0),
            ...varint(7),
            ...str(99, 'unknown'),
            ...field(50, 3),
            ...field(50, 4),
            ...str(5, 'named'),
          ],
        ],
      ),
      'nesting at 90 levels': request([], [[...ids, ...bytesField(9, keyValue('deep', deep(30)))]]),
      'nesting past protobufjs’ limit': request([], [[...ids, ...bytesField(9, keyValue('deep', deep(40)))]]),
      'invalid UTF-8 in a span name': request([], [[...ids, ...bytesField(5, Buffer.from([0x61, 0xc3]))]]),
      'invalid UTF-8 in trace_state, which is not kept': request(
        [],
        [[...ids, ...bytesField(3, Buffer.from([0xff]))]],
      ),
      'a length past the end': Buffer.from([0x0a, 0x05, 0x12]),
      'wire type 7': Buffer.from([0x0f]),
      'field number 0': Buffer.from([0x02, 0x00]),
    };
    for (const [name, body] of Object.entries(cases)) {
      expect(viaWire(body), name).toStrictEqual(viaProtobufjs(body));
    }
    // The cases reach both outcomes.
    expect(viaWire(cases['int64 extremes'])).toHaveProperty('batch');
    expect(viaWire(cases['nesting past protobufjs’ limit'])).toStrictEqual({ refused: true });
    expect(viaWire(cases['invalid UTF-8 in trace_state, which is not kept'])).toStrictEqual({
      refused: true,
    });
  });

  it('refuses what protobufjs refuses and reads what it reads, on 1 000 mangled payloads', async () => {
    const body = await sdkPayload('mangled');
    const next = random(11);
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const copy = Buffer.from(
        body.subarray(0, i % 3 === 0 ? Math.floor(next() * body.length) : body.length),
      );
      const flips = 1 + Math.floor(next() * 4);
      for (let f = 0; f < flips && copy.length > 0; f++) {
        copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
      }
      const wire = viaWire(copy);
      expect(wire, `case ${i}`).toStrictEqual(viaProtobufjs(copy));
      if ('refused' in wire) refused++;
    }
    // Both outcomes are exercised.
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(970);
  }, 120_000);
});
