import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import express from 'express';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpRouter } from '../../sandbox/ingest/otlp';
import type { IngestBatch, IngestSink, PayloadMeta, SandboxVendor } from '../../sandbox/model';

const run = promisify(execFile);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'otlp-sdk.js');

interface Received {
  vendor: SandboxVendor;
  meta: PayloadMeta;
  batch: IngestBatch;
}

/** The decoder mounted alone, with a sink that keeps every accepted payload. */
const received: Received[] = [];
const sink: IngestSink = { accept: (vendor, meta, batch) => received.push({ vendor, meta, batch }) };
let server: ReturnType<express.Express['listen']>;
let base = '';
const encodings: string[] = [];

beforeAll(async () => {
  const app = express();
  // Records each export's Content-Encoding so the gzip cases prove the SDK really compressed.
  app.use((req, _res, next) => {
    if (req.path === '/v1/traces') encodings.push(String(req.headers['content-encoding'] ?? 'identity'));
    next();
  });
  app.use(otlpRouter(sink, { bodyLimit: 1024 * 1024 }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function runSdk(env: Record<string, string>) {
  const { stdout } = await run('node', [FIXTURE], {
    env: { ...process.env, OTLP_URL: base, ...env },
    timeout: 20_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    traceId: string;
    parentSpanId: string;
    childSpanId: string;
  };
}

const spansOf = (traceId: string) =>
  received.flatMap((r) => r.batch.spans.filter((s) => s.traceId === traceId));
const payloadsOf = (traceId: string) =>
  received.filter((r) => r.batch.spans.some((s) => s.traceId === traceId));

describe.each([
  { protocol: 'proto', compression: 'none', contentType: 'application/x-protobuf' },
  { protocol: 'proto', compression: 'gzip', contentType: 'application/x-protobuf' },
  { protocol: 'json', compression: 'none', contentType: 'application/json' },
  { protocol: 'json', compression: 'gzip', contentType: 'application/json' },
])('OTel SDK exporter $protocol / $compression', ({ protocol, compression, contentType }) => {
  it('stores a parent + child span with attributes, status and the exception event', async () => {
    encodings.length = 0;
    const ids = await runSdk({
      OTLP_PROTOCOL: protocol,
      OTLP_COMPRESSION: compression,
      FIXTURE_SERVICE: 'svc-a',
    });
    const spans = spansOf(ids.traceId);
    expect(spans).toHaveLength(2);
    const parent = spans.find((s) => s.spanId === ids.parentSpanId)!;
    const child = spans.find((s) => s.spanId === ids.childSpanId)!;
    expect(parent).toMatchObject({
      vendor: 'otlp',
      traceId: ids.traceId,
      parentId: null,
      name: 'GET /activities',
      service: 'svc-a',
      kind: 'server',
      status: 'unset',
    });
    expect(parent.attributes).toMatchObject({
      'http.method': 'GET',
      'bakeoff.run_id': 'run-otlp',
      'bakeoff.seq': 7,
    });
    expect(parent.native.resource['service.name']).toBe('svc-a');
    expect(parent.native.attributes['bakeoff.run_id']).toBe('run-otlp');
    expect(parent.durationMs).toBeGreaterThanOrEqual(child.durationMs);
    expect(parent.startMs).toBeGreaterThan(Date.UTC(2024, 0, 1));
    expect(child).toMatchObject({
      parentId: ids.parentSpanId,
      kind: 'client',
      status: 'error',
      statusMessage: 'query failed',
    });
    expect(child.attributes).toMatchObject({ 'db.rows': 3, 'db.tags': ['a', 'b'] });

    const errors = received.flatMap((r) => r.batch.errors.filter((e) => e.traceId === ids.traceId));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      vendor: 'otlp',
      type: 'TypeError',
      message: 'boom in child',
      spanId: ids.childSpanId,
    });
    expect(errors[0].frames.length).toBeGreaterThan(0);
    expect(errors[0].frames[0].file).toContain('otlp-sdk.js');

    expect(encodings).toContain(compression === 'gzip' ? 'gzip' : 'identity');
    for (const p of payloadsOf(ids.traceId)) {
      expect(p.meta).toMatchObject({ route: '/v1/traces' });
      expect(p.meta.contentType).toContain(contentType);
      expect(p.meta.bytes).toBeGreaterThan(0);
    }
  });
});

describe('vendor by header', () => {
  it('is honeycomb when x-honeycomb-team is sent, and the key is never stored', async () => {
    const ids = await runSdk({ OTLP_PROTOCOL: 'proto', HONEYCOMB_TEAM: 'hc-secret-key-123' });
    const spans = spansOf(ids.traceId);
    expect(spans.map((s) => s.vendor)).toEqual(['honeycomb', 'honeycomb']);
    expect(JSON.stringify(received)).not.toContain('hc-secret-key-123');
  });

  it('sends logs with severity, body, trace link and correlation', async () => {
    const ids = await runSdk({
      OTLP_PROTOCOL: 'proto',
      OTLP_COMPRESSION: 'gzip',
      WITH_LOGS: '1',
      HONEYCOMB_TEAM: 'k',
    });
    const logs = received.flatMap((r) => r.batch.logs.filter((l) => l.traceId === ids.traceId));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      vendor: 'honeycomb',
      level: 'error',
      message: 'payment declined',
      spanId: ids.childSpanId,
      runId: 'run-otlp',
      seq: 7,
    });
    expect(logs[0].attributes['order.id']).toBe('o-1');
  });

  it('decodes OTLP/JSON logs too', async () => {
    const ids = await runSdk({ OTLP_PROTOCOL: 'json', WITH_LOGS: '1' });
    const logs = received.flatMap((r) => r.batch.logs.filter((l) => l.traceId === ids.traceId));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      vendor: 'otlp',
      level: 'error',
      message: 'payment declined',
      runId: 'run-otlp',
    });
  });
});

describe('wire details', () => {
  const post = (route: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${base}${route}`, { method: 'POST', body, headers });

  it('answers protobuf with an empty protobuf body and JSON with {}', async () => {
    const pb = await post('/v1/traces', Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    expect(pb.status).toBe(200);
    expect(pb.headers.get('content-type')).toContain('application/x-protobuf');
    expect((await pb.arrayBuffer()).byteLength).toBe(0);
    const js = await post('/v1/traces', '{"resourceSpans":[]}', { 'content-type': 'application/json' });
    expect(js.status).toBe(200);
    expect(await js.json()).toEqual({});
  });

  it('reads JSON with int64 as strings or numbers, string enums and deflate', async () => {
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5B8EFFF798038103D269B633813FC60C',
                  spanId: 'EEE19B7EC3C1B174',
                  parentSpanId: '',
                  name: 'op',
                  kind: 'SPAN_KIND_CONSUMER',
                  startTimeUnixNano: '1700000000000000500',
                  endTimeUnixNano: 1700000000002500000,
                  attributes: [
                    { key: 'big', value: { intValue: '9007199254740993' } },
                    { key: 'small', value: { intValue: 42 } },
                    {
                      key: 'kv',
                      value: { kvlistValue: { values: [{ key: 'x', value: { boolValue: true } }] } },
                    },
                  ],
                  status: { code: 2, message: 'bad' },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await post('/v1/traces', zlib.deflateSync(JSON.stringify(doc)), {
      'content-type': 'application/json',
      'content-encoding': 'deflate',
    });
    expect(res.status).toBe(200);
    const span = spansOf('5b8efff798038103d269b633813fc60c')[0];
    expect(span).toMatchObject({
      spanId: 'eee19b7ec3c1b174',
      parentId: null,
      kind: 'consumer',
      status: 'error',
    });
    expect(span.startMs).toBeCloseTo(1700000000000.0005, 4);
    expect(span.durationMs).toBeCloseTo(2.4995, 3);
    expect(span.attributes).toMatchObject({ big: '9007199254740993', small: 42, kv: { x: true } });
  });

  it('counts /v1/metrics as a payload with zero spans', async () => {
    const before = received.length;
    const res = await post('/v1/metrics', Buffer.from([0x0a, 0x00]), {
      'content-type': 'application/x-protobuf',
    });
    expect(res.status).toBe(200);
    expect(received.length).toBe(before + 1);
    expect(received.at(-1)).toMatchObject({ meta: { route: '/v1/metrics', bytes: 2 }, batch: { spans: [] } });
  });

  it('refuses malformed input with 4xx and keeps serving', async () => {
    const before = received.length;
    // A length-delimited field that claims 100 bytes but carries 2.
    const truncated = await post('/v1/traces', Buffer.from([0x0a, 0x64, 0x0a, 0x00]), {
      'content-type': 'application/x-protobuf',
    });
    expect(truncated.status).toBe(400);
    expect(await truncated.text()).toMatch(/malformed protobuf/);
    const badJson = await post('/v1/traces', '{"resourceSpans":', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { message: string }).message).toMatch(/malformed JSON/);
    const wrongType = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    const badGzip = await post('/v1/traces', 'not gzip', {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(badGzip.status).toBe(400);
    const tooBig = await post('/v1/logs', Buffer.alloc(2 * 1024 * 1024), {
      'content-type': 'application/x-protobuf',
    });
    expect(tooBig.status).toBe(413);
    expect(received.length).toBe(before);
    const ok = await post('/v1/traces', '{}', { 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
  });
});

describe('clients the project does not use (Python SDK, ProtoJSON encoders)', () => {
  const post = (route: string, body: Buffer | string, contentType: string) =>
    fetch(`${base}${route}`, { method: 'POST', body, headers: { 'content-type': contentType } });
  const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

  /** ExportTraceServiceRequest as protobuf, from the sandbox's own copy of the OTLP .proto files. */
  function encodeTraces(request: object): Buffer {
    const dir = path.join(__dirname, '..', '..', 'sandbox', 'proto');
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => path.join(dir, path.basename(target));
    root.loadSync('trace_service.proto');
    const type = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    return Buffer.from(type.encode(type.fromObject(request)).finish());
  }

  // What opentelemetry-python's span.record_exception() writes: traceback.format_exception(), outermost call
  // first, and for a chained exception one traceback per exception with the one raised last at the end.
  const PYTHON_TRACEBACK = [
    'Traceback (most recent call last):',
    '  File "/srv/app/pricing.py", line 7, in price_of',
    '    return PRICES[item]',
    "KeyError: 'sku-1'",
    '',
    'During handling of the above exception, another exception occurred:',
    '',
    'Traceback (most recent call last):',
    '  File "/srv/app/views.py", line 42, in checkout',
    '    total = price_cart(cart)',
    '  File "/srv/app/pricing.py", line 17, in price_cart',
    '    return sum(price_of(item) for item in cart)',
    '  File "/srv/app/pricing.py", line 9, in price_of',
    '    raise ValueError(f"no price for {item}")',
    'ValueError: no price for sku-1',
  ].join('\n');

  const TRACE = '0af7651916cd43dd8448eb211c80319c';
  const LINKED_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const start = 1_700_000_000_000_000_000n;
  const pythonSpan = {
    traceId: Buffer.from(TRACE, 'hex'),
    spanId: Buffer.from('b7ad6b7169203331', 'hex'),
    name: 'process orders',
    kind: 5,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 30_000_000n),
    events: [
      {
        name: 'cache.miss',
        timeUnixNano: String(start + 2_500_000n),
        attributes: [kv('cache.key', 'sku-1')],
      },
      {
        name: 'exception',
        timeUnixNano: String(start + 20_000_000n),
        attributes: [
          kv('exception.type', 'ValueError'),
          kv('exception.message', 'no price for sku-1'),
          kv('exception.stacktrace', PYTHON_TRACEBACK),
          kv('exception.escaped', 'False'),
        ],
      },
    ],
    links: [
      {
        traceId: Buffer.from(LINKED_TRACE, 'hex'),
        spanId: Buffer.from('00f067aa0ba902b7', 'hex'),
        attributes: [kv('messaging.operation', 'publish')],
      },
    ],
    status: { code: 2, message: 'no price for sku-1' },
  };
  const request = {
    resourceSpans: [
      {
        resource: {
          attributes: [kv('service.name', 'orders-worker'), kv('telemetry.sdk.language', 'python')],
        },
        scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.celery' }, spans: [pythonSpan] }],
      },
    ],
  };

  let pythonExport: Response;
  beforeAll(async () => {
    pythonExport = await post('/v1/traces', encodeTraces(request), 'application/x-protobuf');
  });

  it('keeps every span event and link, in protobuf', () => {
    expect(pythonExport.status).toBe(200);
    const [span] = spansOf(TRACE);
    expect(span.events).toEqual([
      { name: 'cache.miss', timeMs: 1_700_000_000_002.5, attributes: { 'cache.key': 'sku-1' } },
      expect.objectContaining({ name: 'exception', timeMs: 1_700_000_000_020 }),
    ]);
    expect(span.events![1].attributes['exception.type']).toBe('ValueError');
    expect(span.links).toEqual([
      { traceId: LINKED_TRACE, spanId: '00f067aa0ba902b7', attributes: { 'messaging.operation': 'publish' } },
    ]);
  });

  it('keeps events and links in OTLP/JSON too (hex ids)', async () => {
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', 'json-client')] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'bbbbbbbbbbbbbbbb',
                  name: 'batch',
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000005000000',
                  events: [{ name: 'retry', timeUnixNano: '1700000000001000000', attributes: [] }],
                  links: [{ traceId: LINKED_TRACE, spanId: '00f067aa0ba902b7', attributes: [] }],
                },
              ],
            },
          ],
        },
      ],
    };
    expect((await post('/v1/traces', JSON.stringify(doc), 'application/json')).status).toBe(200);
    const [span] = spansOf(traceId);
    expect(span.events).toEqual([{ name: 'retry', timeMs: 1_700_000_000_001, attributes: {} }]);
    expect(span.links).toEqual([{ traceId: LINKED_TRACE, spanId: '00f067aa0ba902b7', attributes: {} }]);
  });

  it('reads a Python traceback innermost first, from the exception raised last', () => {
    const error = received.flatMap((r) => r.batch.errors).find((e) => e.traceId === TRACE)!;
    expect(error).toMatchObject({ type: 'ValueError', message: 'no price for sku-1' });
    expect(error.frames).toEqual([
      { function: 'price_of', file: '/srv/app/pricing.py', line: 9 },
      { function: 'price_cart', file: '/srv/app/pricing.py', line: 17 },
      { function: 'checkout', file: '/srv/app/views.py', line: 42 },
    ]);
  });

  it('normalises log severities given as enum names or as each framework spells them', async () => {
    const traceId = 'cccccccccccccccccccccccccccccccc';
    const records = [
      { severityNumber: 'SEVERITY_NUMBER_WARN', body: { stringValue: 'enum name' } },
      { severityNumber: 'SEVERITY_NUMBER_ERROR2', severityText: 'Error', body: { stringValue: 'enum step' } },
      { severityNumber: 9, severityText: 'Information', body: { stringValue: '.NET' } },
      { severityText: 'Information', body: { stringValue: 'text only' } },
      { severityText: 'WARNING', body: { stringValue: 'python levelname' } },
      { severityNumber: 21, severityText: 'CRITICAL', body: { stringValue: 'critical' } },
      { body: { stringValue: 'no severity' } },
    ].map((r) => ({ ...r, traceId, timeUnixNano: '1700000000000000000' }));
    const doc = { resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] };
    expect((await post('/v1/logs', JSON.stringify(doc), 'application/json')).status).toBe(200);
    const logs = received.flatMap((r) => r.batch.logs.filter((l) => l.traceId === traceId));
    expect(logs.map((l) => [l.message, l.level])).toEqual([
      ['enum name', 'warn'],
      ['enum step', 'error'],
      ['.NET', 'info'],
      ['text only', 'info'],
      ['python levelname', 'warn'],
      ['critical', 'fatal'],
      ['no severity', 'info'],
    ]);
  });
});
