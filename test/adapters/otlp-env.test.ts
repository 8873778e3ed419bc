/**
 * The otlp adapter reads the OpenTelemetry exporter variables as the spec defines them
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), and a real endpoint gets the traces and logs
 * with the configured headers: a recording OTLP/HTTP receiver stands in for a collector.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtlpAdapter, parseOtlpHeaders, resolveOtlpExport } from '../../adapters/otlp';
import { BakeoffError } from '../../config/errors';
import { eventually, type Stack, startStack } from './harness';

const SANDBOX = 'http://127.0.0.1:4400';
const resolve = (env: Record<string, string>) =>
  resolveOtlpExport({ serviceName: 'activities', sandboxUrl: SANDBOX, env });

describe('OTEL_EXPORTER_OTLP_* as the spec defines them', () => {
  it('sends both signals to the sandbox when no endpoint is set, with no headers', () => {
    const target = resolve({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x' });
    expect(target.traces).toEqual({ url: `${SANDBOX}/v1/traces`, headers: {} });
    expect(target.logs).toEqual({ url: `${SANDBOX}/v1/logs`, headers: {} });
    expect(target.destination.kind).toBe('sandbox');
  });

  it('appends /v1/traces and /v1/logs to the base endpoint, and uses a per-signal one as is', () => {
    const base = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(base.traces.url).toBe('http://collector:4318/v1/traces');
    expect(base.logs.url).toBe('http://collector:4318/v1/logs');
    expect(base.destination).toEqual({
      kind: 'vendor',
      endpoint: 'http://collector:4318/v1/traces + http://collector:4318/v1/logs',
    });
    const own = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example/otlp/v1/traces',
    });
    expect(own.traces.url).toBe('https://tempo.example/otlp/v1/traces');
    expect(own.logs.url).toBe('http://collector:4318/v1/logs');
  });

  it('parses headers as URL-encoded key=value pairs; a per-signal list adds to and overrides the base one', () => {
    const target = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp-gateway.example/otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20dXNlcjprZXk=, x-scope-orgid=tenant-1',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-scope-orgid=tenant-2',
    });
    expect(target.traces.headers).toEqual({
      authorization: 'Basic dXNlcjprZXk=',
      'x-scope-orgid': 'tenant-1',
    });
    expect(target.logs.headers).toEqual({ authorization: 'Basic dXNlcjprZXk=', 'x-scope-orgid': 'tenant-2' });
  });

  it('refuses a malformed header list naming the variable and entry, never the value', () => {
    const attempt = () => parseOtlpHeaders('OTEL_EXPORTER_OTLP_HEADERS', 'a=1,s3cr3t-without-equals');
    expect(attempt).toThrow(BakeoffError);
    expect(attempt).toThrow(/OTEL_EXPORTER_OTLP_HEADERS: entry 2/);
    expect(attempt).not.toThrow(/s3cr3t/);
    expect(() => parseOtlpHeaders('X', 'k=%E0%A4%A')).toThrow(/entry 1/);
  });

  it('speaks OTLP/HTTP only: grpc stops the start with a clear message', () => {
    expect(resolve({}).protocol).toEqual({ traces: 'http/protobuf', logs: 'http/protobuf' });
    expect(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol.logs).toBe('http/json');
    expect(() => resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /grpc is not supported.*http\/protobuf/,
    );
  });

  it('declares both export URLs as egress, so no tracer in the process records them', () => {
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://loki:3100/otlp/v1/logs',
    };
    expect(createOtlpAdapter.egress!({ serviceName: 'users', sandboxUrl: SANDBOX, env })).toEqual([
      'http://jaeger:4318/v1/traces',
      'http://loki:3100/otlp/v1/logs',
    ]);
  });
});

interface Received {
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: Buffer;
}

/** A minimal OTLP/HTTP receiver: records each request and answers the empty success a collector answers. */
async function recordingReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks),
      });
      const json = req.headers['content-type']?.startsWith('application/json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/**
 * An otlp stack exporting to a recording receiver: `requests` home feeds, then SIGTERM, so everything the
 * services will send has been received. `env(url)` gets the receiver's URL.
 */
function otlpToReceiver(requests: number, env: (url: string) => Record<string, string>) {
  const run: { receiver?: Awaited<ReturnType<typeof recordingReceiver>>; stack?: Stack } = {};
  beforeAll(async () => {
    run.receiver = await recordingReceiver();
    run.stack = await startStack({ observability: 'otlp', env: env(run.receiver.url) });
    for (let seq = 1; seq <= requests; seq++)
      expect((await run.stack.request('GET', '/api/activities/home', seq)).status).toBe(200);
    expect((await run.stack.stop()).map((e) => e.code)).toEqual([0, 0]);
  }, 60_000);
  afterAll(async () => {
    await run.stack?.close();
    await run.receiver?.close();
  });
  return run as { receiver: Awaited<ReturnType<typeof recordingReceiver>>; stack: Stack };
}

describe.each(['http/protobuf', 'http/json'])(
  'otlp with OTEL_EXPORTER_OTLP_ENDPOINT set (%s)',
  (protocol) => {
    const run = otlpToReceiver(3, (url) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${url}/otlp`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    }));

    it('posts traces and logs to <endpoint>/v1/traces and /v1/logs with the configured header, nothing to the sandbox', async () => {
      const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      const paths = await eventually(async () => {
        const seen = new Set(run.receiver.received.map((r) => r.path));
        return seen.has('/otlp/v1/traces') && seen.has('/otlp/v1/logs') ? seen : undefined;
      });
      expect([...paths].sort()).toEqual(['/otlp/v1/logs', '/otlp/v1/traces']);
      for (const request of run.receiver.received) {
        expect(request.authorization).toBe('Bearer collector-token');
        expect(request.contentType).toMatch(contentType);
      }
      // The run's id travels in the exported data, whichever encoding.
      const traces = run.receiver.received.filter((r) => r.path === '/otlp/v1/traces');
      expect(traces.some((r) => r.body.includes(run.stack.runId))).toBe(true);
      expect(await run.stack.api('/api/traces?limit=10')).toEqual([]);
    });

    it('says where data goes at start, without the header value', () => {
      expect(run.stack.output()).toMatch(`${run.receiver.url}/otlp/v1/traces`);
      expect(run.stack.output()).not.toMatch('collector-token');
    });
  },
);

/** Spans or log records in one OTLP/JSON export request. */
function itemsIn(body: Buffer): number {
  const data = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: Array<{ scopeSpans: Array<{ spans: unknown[] }> }>;
    resourceLogs?: Array<{ scopeLogs: Array<{ logRecords: unknown[] }> }>;
  };
  const spans = (data.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const logs = (data.resourceLogs ?? []).flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
  return spans.length + logs.length;
}

// SDK 3.x processors built in code ignore these variables unless given them (adapters/otel/batch-env.ts).
describe('OTEL_BSP_* and OTEL_BLRP_* set the batches', () => {
  const run = otlpToReceiver(2, (url) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // One item a batch; the SDK defaults (512, every 5 s for spans, every 1 s for logs) would send the whole
    // run in a post or two.
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1',
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '1',
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    OTEL_BLRP_SCHEDULE_DELAY: '60000',
  }));

  it('posts spans and log records one at a time when the batch size is 1', () => {
    const posts = (signal: string) => run.receiver.received.filter((r) => r.path === `/v1/${signal}`);
    // Two requests through two services: several spans and at least a request log line each.
    expect(posts('traces').length).toBeGreaterThanOrEqual(4);
    expect(posts('logs').length).toBeGreaterThanOrEqual(2);
    for (const post of [...posts('traces'), ...posts('logs')]) expect(itemsIn(post.body)).toBe(1);
  });
});
