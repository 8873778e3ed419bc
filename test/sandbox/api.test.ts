import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { batch, error, log, meta, requestSpans } from './records';

// Response bodies are untyped JSON, asserted field by field below.
type Json = any;

let sandbox: Sandbox;
const get = async (path: string) => {
  const res = await fetch(`${sandbox.url}${path}`);
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const { store } = sandbox;
  store.accept(
    'honeycomb',
    meta(300),
    batch({ spans: requestSpans('honeycomb', 'h1', 'run-a', 1, { base: 1000 }) }),
  );
  store.accept(
    'honeycomb',
    meta(200),
    batch({ spans: requestSpans('honeycomb', 'h2', 'run-b', 1, { base: 2000 }) }),
  );
  store.accept(
    'xray',
    meta(150, 'udp'),
    batch({ spans: requestSpans('xray', '1-aa-bb', 'run-a', 1, { xraySpelling: true }) }),
  );
  store.accept(
    'sentry',
    meta(80, '/api/1/envelope/'),
    batch({ errors: [error('sentry', { runId: 'run-a', seq: 1 })] }),
  );
  store.accept(
    'cloudwatch',
    meta(60, '/'),
    batch({ logs: [log('cloudwatch', { runId: 'run-a', seq: 2, group: 'g' })] }),
  );
});

afterAll(async () => {
  await sandbox?.close();
});

describe('sandbox JSON API', () => {
  it('answers health and per-vendor counts for every vendor', async () => {
    const health = await get('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(health.headers.get('x-powered-by')).toBeNull();
    const vendors = await get('/api/vendors');
    // Every manifest vendor but `none`: honeycomb, xray, sentry, rollbar, datadog, cloudwatch, otlp, xray-otel.
    expect(vendors.body).toHaveLength(8);
    expect(vendors.body.find((v: { vendor: string }) => v.vendor === 'honeycomb')).toEqual({
      vendor: 'honeycomb',
      payloads: 2,
      bytes: 500,
      spans: 8,
      errors: 0,
      logs: 0,
    });
  });

  it('lists traces newest first with filters, and serves one trace with native bags', async () => {
    const all = await get('/api/traces');
    expect(all.body.map((t: { traceId: string }) => t.traceId)).toEqual(['1-aa-bb', 'h2', 'h1']);
    const filtered = await get('/api/traces?vendor=honeycomb&run=run-a&limit=5');
    expect(filtered.body).toMatchObject([
      {
        traceId: 'h1',
        rootName: 'GET /activities',
        services: ['activities', 'users'],
        spanCount: 4,
        durationMs: 180,
        error: false,
        runId: 'run-a',
        seq: 1,
      },
    ]);
    const trace = await get('/api/traces/xray/1-aa-bb');
    expect(trace.status).toBe(200);
    expect(trace.body.spans).toHaveLength(4);
    expect(trace.body.spans[0]).toMatchObject({
      spanId: 'a1',
      parentId: null,
      name: 'GET /activities',
      kind: 'server',
      status: 'ok',
    });
    expect(trace.body.spans[0].native.annotations).toEqual({ bakeoff_run_id: 'run-a', bakeoff_seq: 1 });
    expect((await get('/api/traces/xray/nope')).status).toBe(404);
  });

  it('refuses bad query parameters with a 400 that names them', async () => {
    for (const [path, pattern] of [
      ['/api/traces?limit=abc', /"limit" must be an integer from 1 to 100000/],
      ['/api/traces?limit=0', /"limit"/],
      ['/api/traces?limit=100001', /"limit"/],
      ['/api/traces?limit=2.5', /"limit"/],
      ['/api/traces?vendor=newrelic', /vendor "newrelic" is not one of/],
      ['/api/traces?vendor=otlp&vendor=xray', /"vendor" must be given once/],
      ['/api/errors?limit=-1', /"limit"/],
      ['/api/logs?vendor=x', /vendor "x"/],
      ['/api/payloads?since=yesterday', /"since"/],
      ['/api/runs/run-a/requests?seq=one', /"seq"/],
      ['/api/traces/newrelic/abc', /vendor "newrelic"/],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toMatch(pattern);
    }
    expect((await get('/api/health')).status).toBe(200); // still serving
  });

  it('lists errors and logs with run filters', async () => {
    expect((await get('/api/errors?run=run-a')).body).toMatchObject([
      { vendor: 'sentry', type: 'Error', runId: 'run-a', seq: 1 },
    ]);
    expect((await get('/api/errors?run=run-b')).body).toEqual([]);
    expect((await get('/api/logs?vendor=cloudwatch')).body).toMatchObject([
      { message: 'hello', group: 'g', seq: 2 },
    ]);
  });

  it('serves runs and the per-request side-by-side data', async () => {
    const runs = await get('/api/runs');
    expect(runs.body.map((r: { runId: string }) => r.runId).sort()).toEqual(['run-a', 'run-b']);
    const view = await get('/api/runs/run-a/requests');
    expect(view.body.vendors).toEqual(['honeycomb', 'xray', 'sentry', 'cloudwatch']);
    expect(view.body.seqs).toEqual([1, 2]);
    const one = view.body.requests[0];
    expect(Object.keys(one.vendors).sort()).toEqual(['honeycomb', 'sentry', 'xray']);
    expect(one.vendors.xray).toMatchObject({ traceIds: ['1-aa-bb'], spanCount: 4 });
    expect(one.vendors.sentry.errors).toEqual([
      { type: 'Error', message: 'boom', traceId: null, recordCount: 1 },
    ]);
    const narrowed = await get('/api/runs/run-a/requests?seq=2');
    expect(narrowed.body.requests).toMatchObject([{ seq: 2, vendors: { cloudwatch: { logs: 1 } } }]);
  });

  it('accounts every payload with route and bytes', async () => {
    const payloads = await get('/api/payloads?vendor=honeycomb');
    expect(payloads.body.map((p: { bytes: number }) => p.bytes)).toEqual([300, 200]);
    expect(payloads.body[0]).toMatchObject({ vendor: 'honeycomb', route: '/v1/traces', spans: 4 });
    expect((await get(`/api/payloads?since=${Date.now() + 60_000}`)).body).toEqual([]);
  });

  it('answers unknown API paths with a JSON 404 and serves the UI at /', async () => {
    const missing = await get('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/no route/);
    const page = await fetch(`${sandbox.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/bakeoff/);
  });

  it('pushes a server-sent event when new data arrives', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sandbox.url}/api/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    sandbox.store.accept('otlp', meta(), batch({ spans: requestSpans('otlp', 'o1', 'run-c', 1) }));
    while (!text.includes('data: ')) text += decoder.decode((await reader.read()).value);
    controller.abort();
    const data = JSON.parse(text.split('data: ')[1].split('\n')[0]);
    expect(data).toEqual({ type: 'data', vendors: ['otlp'], spans: 4, errors: 0, logs: 0 });
  });
});
