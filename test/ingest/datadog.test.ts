import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { encode } from '@msgpack/msgpack';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datadogRouter } from '../../sandbox/ingest/datadog';
import type { IngestBatch, IngestSink, PayloadMeta } from '../../sandbox/model';

const run = promisify(execFile);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'datadog-sdk.js');

const received: Array<{ meta: PayloadMeta; batch: IngestBatch }> = [];
const sink: IngestSink = { accept: (_vendor, meta, batch) => received.push({ meta, batch }) };
/** Every request the tracer made and the status it got, to prove side routes are answered quietly. */
const calls: Array<{ method: string; path: string; status: number }> = [];
let server: ReturnType<express.Express['listen']>;
let base = '';

beforeAll(async () => {
  const app = express();
  app.use((req, res, next) => {
    res.on('finish', () => calls.push({ method: req.method, path: req.path, status: res.statusCode }));
    next();
  });
  app.use(datadogRouter(sink));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const QUIET = { DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false', DD_REMOTE_CONFIGURATION_ENABLED: 'false' };

async function runTracer(env: Record<string, string>) {
  const { stdout } = await run('node', [FIXTURE], {
    env: { ...process.env, DD_TRACE_AGENT_URL: base, ...env },
    timeout: 20_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    traceId: string;
    rootSpanId: string;
    childSpanId: string;
    errorSpanId: string;
  };
}

const spansOf = (traceId: string) =>
  received.flatMap((r) => r.batch.spans.filter((s) => s.traceId === traceId));

describe.each(['0.4', '0.5'])('dd-trace over /v%s/traces', (version) => {
  it('stores the root, its child and the error span with tags, metrics and the error', async () => {
    const ids = await runTracer({
      ...QUIET,
      DD_TRACE_AGENT_PROTOCOL_VERSION: version,
      FIXTURE_SERVICE: `dd-${version}`,
    });
    const spans = spansOf(ids.traceId);
    expect(spans).toHaveLength(3);
    const root = spans.find((s) => s.spanId === ids.rootSpanId)!;
    const child = spans.find((s) => s.spanId === ids.childSpanId)!;
    const failed = spans.find((s) => s.spanId === ids.errorSpanId)!;

    expect(root).toMatchObject({
      vendor: 'datadog',
      parentId: null,
      name: 'web.request',
      service: `dd-${version}`,
      kind: 'server',
      status: 'unset',
    });
    expect(root.attributes).toMatchObject({
      'resource.name': 'GET /activities',
      'span.type': 'web',
      'bakeoff.run_id': 'run-dd',
      'bakeoff.seq': 3,
    });
    expect(root.native.meta['bakeoff.run_id']).toBe('run-dd');
    expect(root.native.metrics['bakeoff.seq']).toBe(3);
    expect(root.startMs).toBeGreaterThan(Date.UTC(2024, 0, 1));
    expect(root.durationMs).toBeGreaterThan(0);

    expect(child).toMatchObject({ parentId: ids.rootSpanId, name: 'pg.query', status: 'unset' });
    expect(child.attributes).toMatchObject({ 'resource.name': 'SELECT 1', 'span.type': 'sql', 'db.rows': 2 });

    expect(failed).toMatchObject({
      parentId: ids.rootSpanId,
      status: 'error',
      statusMessage: 'injected fault',
    });
    const errors = received.flatMap((r) => r.batch.errors.filter((e) => e.traceId === ids.traceId));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      type: 'RangeError',
      message: 'injected fault',
      spanId: ids.errorSpanId,
    });
    expect(errors[0].frames[0].file).toContain('datadog-sdk.js');

    const payload = received.find((r) => r.batch.spans.some((s) => s.traceId === ids.traceId))!;
    expect(payload.meta).toMatchObject({ route: `/v${version}/traces`, contentType: 'application/msgpack' });
    expect(payload.meta.bytes).toBeGreaterThan(0);
  });
});

describe('agent side routes', () => {
  it('answers everything dd-trace calls with telemetry, remote config and runtime metrics on', async () => {
    calls.length = 0;
    await runTracer({ DD_RUNTIME_METRICS_ENABLED: 'true', FIXTURE_LINGER_MS: '1500' });
    const side = calls.filter((c) => !c.path.endsWith('/traces'));
    expect(side.map((c) => c.path)).toContain('/telemetry/proxy/api/v2/apmtelemetry');
    expect(side.filter((c) => c.status >= 300)).toEqual([]);
  });

  it('advertises its endpoints on GET /info and answers traces with rate_by_service', async () => {
    const info = (await (await fetch(`${base}/info`)).json()) as { endpoints: string[] };
    expect(info.endpoints).toEqual(
      expect.arrayContaining(['/v0.4/traces', '/v0.5/traces', '/telemetry/proxy/']),
    );
    const res = await fetch(`${base}/v0.4/traces`, {
      method: 'PUT',
      body: encode([]),
      headers: { 'content-type': 'application/msgpack' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ rate_by_service: {} });
  });

  it('keeps u64 ids above 2^53 exact and reads the v0.5 string table', async () => {
    const big = 18446744073709551557n;
    const v04 = [
      [
        {
          trace_id: big,
          span_id: 12345678901234567890n,
          parent_id: 0,
          name: 'n',
          resource: 'r',
          service: 's',
          type: 't',
          start: 1700000000000000500n,
          duration: 2_500_000,
          error: 0,
          meta: {},
          metrics: {},
        },
      ],
    ];
    const res = await fetch(`${base}/v0.4/traces`, {
      method: 'PUT',
      body: encode(v04, { useBigInt64: true }),
      headers: { 'content-type': 'application/msgpack' },
    });
    expect(res.status).toBe(200);
    const span = spansOf(big.toString())[0];
    expect(span).toMatchObject({ spanId: '12345678901234567890', parentId: null, durationMs: 2.5 });
    expect(span.startMs).toBeCloseTo(1700000000000.0005, 4);

    const table = ['', 'svc5', 'op5', 'res5', 'k', 'v', 'm'];
    const v05 = [table, [[[1, 2, 3, 77, 78, 0, 1700000000000000000n, 1000, 1, { 4: 5 }, { 6: 1.5 }, 0]]]];
    const res5 = await fetch(`${base}/v0.5/traces`, {
      method: 'POST',
      body: encode(v05, { useBigInt64: true }),
    });
    expect(res5.status).toBe(200);
    expect(spansOf('77')[0]).toMatchObject({
      service: 'svc5',
      name: 'op5',
      status: 'error',
      attributes: { 'resource.name': 'res5', k: 'v', m: 1.5 },
      native: { meta: { k: 'v' }, metrics: { m: 1.5 } },
    });
  });

  it('refuses garbage msgpack and bad shapes with 400 and keeps serving', async () => {
    const before = received.length;
    const garbage = await fetch(`${base}/v0.4/traces`, {
      method: 'PUT',
      body: Buffer.from([0xc1, 0xff, 0x00]),
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: string }).error).toMatch(/malformed msgpack/);
    const notTraces = await fetch(`${base}/v0.4/traces`, { method: 'PUT', body: encode({ a: 1 }) });
    expect(notTraces.status).toBe(400);
    const badTable = await fetch(`${base}/v0.5/traces`, {
      method: 'PUT',
      body: encode([['x'], [[[9, 9, 9]]]]),
    });
    expect(badTable.status).toBe(400);
    const wrongMethod = await fetch(`${base}/v0.4/traces`);
    expect(wrongMethod.status).toBe(405);
    expect(received.length).toBe(before);
    expect((await fetch(`${base}/info`)).status).toBe(200);
  });
});

describe('JSON traces, as dd-trace-py and curl send them', () => {
  // dd-trace-py's JSONEncoder: a list of traces of span dicts, u64 ids and epoch nanoseconds as plain JSON
  // integers (beyond 2^53), parent_id null on a root, and error.stack as Python prints a traceback.
  const rawTrace = (traceId: string, spanId: string, childId: string) => `[[
    {"trace_id": ${traceId}, "parent_id": null, "span_id": ${spanId}, "service": "orders-py",
     "resource": "GET /orders/<id>", "name": "flask.request", "error": 1, "start": 1700000000123456789,
     "duration": 30000000, "type": "web",
     "meta": {"http.method": "GET", "error.type": "builtins.KeyError", "error.message": "'sku'",
              "error.stack": "Traceback (most recent call last):\\n  File \\"/srv/app.py\\", line 20, in view\\n    price(order)\\n  File \\"/srv/pricing.py\\", line 4, in price\\n    return PRICES[order.sku]\\nKeyError: 'sku'\\n"},
     "metrics": {"_sampling_priority_v1": 1, "process_id": 4242}},
    {"trace_id": ${traceId}, "parent_id": ${spanId}, "span_id": ${childId}, "service": "orders-py",
     "resource": "SELECT 1", "name": "postgres.query", "error": 0, "start": 1700000000130000000,
     "duration": 1500000, "type": "sql"}
  ]]`;

  it.each(['/v0.3/traces', '/v0.4/traces'])(
    'accepts application/json on %s like the agent',
    async (route) => {
      const traceId = route === '/v0.3/traces' ? '9007199254740993' : '18446744073709551000';
      const res = await fetch(`${base}${route}`, {
        method: 'PUT',
        body: rawTrace(traceId, '12345678901234567890', '9223372036854775809'),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ rate_by_service: {} });
      const spans = spansOf(traceId);
      expect(spans).toHaveLength(2);
      const root = spans.find((s) => s.parentId === null)!;
      expect(root).toMatchObject({
        spanId: '12345678901234567890',
        service: 'orders-py',
        name: 'flask.request',
        status: 'error',
        durationMs: 30,
      });
      expect(root.startMs - 1_700_000_000_123).toBeCloseTo(0.456789, 3);
      expect(root.native.metrics).toEqual({ _sampling_priority_v1: 1, process_id: 4242 });
      expect(spans.find((s) => s.spanId === '9223372036854775809')).toMatchObject({
        parentId: '12345678901234567890',
        name: 'postgres.query',
      });
      const [error] = received.flatMap((r) => r.batch.errors.filter((e) => e.traceId === traceId));
      expect(error).toMatchObject({ type: 'builtins.KeyError', message: "'sku'" });
      expect(error.frames.map((f) => f.function)).toEqual(['price', 'view']);
      const payload = received.find((r) => r.batch.spans.some((s) => s.traceId === traceId))!;
      expect(payload.meta).toMatchObject({ route, contentType: 'application/json' });
    },
  );

  it('refuses malformed JSON with 400 and a message saying so', async () => {
    const res = await fetch(`${base}/v0.4/traces`, {
      method: 'PUT',
      body: '[[{"trace_id": 1,',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/malformed JSON/);
  });
});
