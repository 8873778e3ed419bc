/**
 * The pieces the xray-otel adapter adds to the OpenTelemetry SDK: X-Ray trace ids, where it exports, and the
 * SigV4-signed OTLP exporter, against a recording receiver (the signature is checked by signing again) and
 * against the sandbox, which files X-Ray-scoped OTLP as `xray-otel` under X-Ray trace ids.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigV4SpanExporter } from '../../adapters/otel/sigv4-exporter';
import { createXrayOtelAdapter, resolveXrayOtlpTarget, xrayIdGenerator } from '../../adapters/xray-otel';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { eventually } from './harness';

const SANDBOX = 'http://127.0.0.1:4400';
const target = (env: Record<string, string>) =>
  resolveXrayOtlpTarget({ serviceName: 'users', sandboxUrl: SANDBOX, env });
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLETEST', secretAccessKey: 'example-secret-for-tests' };

describe('X-Ray trace ids', () => {
  it('start with the current time in epoch seconds (8 hex digits), then 24 random hex digits', () => {
    const ids = Array.from({ length: 1000 }, () => xrayIdGenerator.generateTraceId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    const seconds = parseInt(ids[0].slice(0, 8), 16);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5);
    expect(new Set(ids.map((id) => id.slice(8))).size).toBe(ids.length);
  });

  it('span ids are 16 hex digits, never the invalid all-zero id', () => {
    const ids = Array.from({ length: 1000 }, () => xrayIdGenerator.generateSpanId());
    for (const id of ids) expect(id).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('where xray-otel exports', () => {
  it('to the sandbox without AWS settings; to X-Ray’s regional OTLP endpoint with a region or credentials', () => {
    expect(target({})).toMatchObject({ url: `${SANDBOX}/v1/traces`, real: false });
    expect(target({ AWS_REGION: 'eu-west-1' })).toMatchObject({
      url: 'https://xray.eu-west-1.amazonaws.com/v1/traces',
      region: 'eu-west-1',
      real: true,
      destination: { kind: 'vendor', endpoint: 'https://xray.eu-west-1.amazonaws.com/v1/traces' },
    });
    expect(target({ AWS_PROFILE: 'dev', AWS_DEFAULT_REGION: 'us-west-2' }).url).toBe(
      'https://xray.us-west-2.amazonaws.com/v1/traces',
    );
    expect(
      target({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_XRAY: 'https://vpce-1.xray.example/' }).url,
    ).toBe('https://vpce-1.xray.example/v1/traces');
  });

  it('refuses credentials without a region, naming the fix', () => {
    expect(() => target({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' })).toThrow(/set AWS_REGION/);
  });

  it('declares its endpoint (and, against AWS, where credentials come from) as egress', () => {
    const egress = (env: Record<string, string>) =>
      createXrayOtelAdapter.egress!({ serviceName: 'users', sandboxUrl: SANDBOX, env });
    expect(egress({})).toEqual([`${SANDBOX}/v1/traces`]);
    expect(egress({ AWS_REGION: 'eu-west-1' })).toEqual(
      expect.arrayContaining(['https://xray.eu-west-1.amazonaws.com/v1/traces', 'http://169.254.169.254']),
    );
  });

  it('gives log lines the active span’s ids in X-Ray’s spelling, under the `xray` adapter’s keys', () => {
    const adapter = createXrayOtelAdapter({ serviceName: 'users', sandboxUrl: SANDBOX, env: {} });
    expect(adapter.traceContext?.()).toBeUndefined();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const tracer = new TracerProvider({ idGenerator: xrayIdGenerator }).getTracer('test');
      tracer.startActiveSpan('GET /api/users', (span) => {
        const { traceId, spanId } = span.spanContext();
        expect(adapter.traceContext?.()).toEqual({
          xray_trace_id: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`,
          xray_segment_id: spanId,
        });
        span.end();
      });
    } finally {
      context.disable();
    }
  });
});

/** Ends one span through the exporter and waits for it to be sent. */
async function exportOneSpan(url: string, service = 'xray', region = 'eu-west-1') {
  const exporter = await createSigV4SpanExporter({
    url,
    region,
    service,
    credentials: CREDENTIALS,
    timeoutMillis: 5000,
  });
  const provider = new TracerProvider({
    idGenerator: xrayIdGenerator,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const span = provider
    .getTracer('test')
    .startSpan('GET /api/users', { attributes: { 'bakeoff.run_id': 'sigv4' } });
  const traceId = span.spanContext().traceId;
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

describe('the SigV4-signed OTLP exporter', () => {
  const received: Array<{ headers: http.IncomingHttpHeaders; path: string; body: Buffer }> = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, path: req.url ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('signs each OTLP protobuf post for the `xray` service, over its body', async () => {
    await exportOneSpan(url);
    expect(received).toHaveLength(1);
    const [{ headers, path, body }] = received;
    expect(path).toBe('/v1/traces');
    expect(headers['content-type']).toBe('application/x-protobuf');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST\/\d{8}\/eu-west-1\/xray\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(body.includes(Buffer.from('sigv4'))).toBe(true);
    // Signing the received request again, at the time it says it was signed, gives the same signature: the
    // signature covers this very body.
    const date = String(headers['x-amz-date']);
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const signer = new SignatureV4({
      service: 'xray',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      sha256: Hash.bind(null, 'sha256'),
    });
    const target = new URL(url);
    const again = await signer.sign(
      {
        method: 'POST',
        protocol: target.protocol,
        hostname: target.hostname,
        port: Number(target.port),
        path: target.pathname,
        query: {},
        headers: { host: target.host, 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(body),
      },
      { signingDate },
    );
    expect(again.headers.authorization).toBe(headers.authorization);
    if (headers['x-amz-content-sha256'])
      expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
  });
});

describe('the sandbox’s OTLP intake and SigV4', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  const api = async <T>(p: string) => (await (await fetch(`${sandbox.url}${p}`)).json()) as T;

  it('files OTLP signed for `xray` as xray-otel, under the X-Ray spelling of the trace id', async () => {
    const traceId = await exportOneSpan(`${sandbox.url}/v1/traces`);
    const xrayId = `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
    const traces = await eventually(async () => {
      const list = await api<Array<{ vendor: string; traceId: string }>>('/api/traces?vendor=xray-otel');
      return list.length ? list : undefined;
    });
    expect(traces.map((t) => t.traceId)).toEqual([xrayId]);
    expect(await api('/api/traces?vendor=otlp')).toEqual([]);
  });

  it('files OTLP signed for another AWS service as plain otlp, and never keeps the signature', async () => {
    await exportOneSpan(`${sandbox.url}/v1/traces`, 'logs');
    await eventually(async () => (await api<unknown[]>('/api/traces?vendor=otlp')).length === 1);
    const exported = await (await fetch(`${sandbox.url}/api/export`)).text();
    expect(exported).not.toMatch(/AWS4-HMAC-SHA256|Signature=|AKIDEXAMPLETEST/);
  });
});
