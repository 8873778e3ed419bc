/**
 * The analysis views' API (sandbox/views/analysis-api.ts): service map, latency by attribute and error groups
 * over all six vendors' records, and a 400 naming the parameter for every bad one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { addCall } from './map-records';

// Response bodies are untyped JSON, asserted field by field below.
type Json = any;

let sandbox: Sandbox;
const get = async (path: string) => {
  const res = await fetch(`${sandbox.url}${path}`);
  return { status: res.status, body: (await res.json()) as Json };
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  for (let seq = 1; seq <= 12; seq++)
    addCall(sandbox.store, {
      run: 'api',
      seq,
      base: 1_800_000_000_000 + seq * 1000,
      durationMs: 10 * seq,
      fail: seq % 4 === 0,
    });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('analysis API', () => {
  it('GET /api/service-map: every vendor side by side, or one', async () => {
    const all = await get('/api/service-map?run=api');
    expect(all.status).toBe(200);
    expect(all.body.maps.map((m: Json) => [m.vendor, m.supported, m.edges.length])).toEqual([
      ['honeycomb', true, 4],
      ['xray', true, 4],
      ['sentry', true, 4],
      ['rollbar', false, 0],
      ['datadog', true, 4],
      ['cloudwatch', false, 0],
    ]);
    const one = await get('/api/service-map?vendor=datadog&run=api');
    expect(one.body.maps).toHaveLength(1);
    expect(one.body.maps[0].edges[0]).toEqual({
      from: 'client',
      to: 'svc:activities',
      stats: { count: 12, p50: 60, p95: 120, errorRate: 0.25 },
    });
  });

  it('GET /api/latency: groups, heatmap and one cell’s samples', async () => {
    const { status, body } = await get('/api/latency?run=api&by=app.user_handle&buckets=6&bands=4');
    expect(status).toBe(200);
    expect(body.bands).toHaveLength(4);
    expect(body.vendors.map((v: Json) => [v.vendor, v.source, v.stats.count])).toEqual([
      ['honeycomb', 'traces', 12],
      ['xray', 'traces', 12],
      ['sentry', 'traces', 12],
      ['rollbar', null, 0],
      ['datadog', 'traces', 12],
      ['cloudwatch', 'logs', 12],
    ]);
    const xray = body.vendors[1];
    expect(xray.cells).toHaveLength(4);
    expect(xray.cells[0]).toHaveLength(6);
    expect(xray.groups).toMatchObject([{ value: 'ada', key: 'app_user_handle', count: 12 }]);
    const cell = await get('/api/latency?run=api&vendor=xray&buckets=6&bands=4&cell=xray:3:5');
    expect(cell.body.vendors[0].cellSamples.map((s: Json) => s.seq)).toEqual([12, 11]);
  });

  it('GET /api/error-groups and /api/error-groups/:id', async () => {
    const list = await get('/api/error-groups?run=api');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(6);
    const sentry = list.body.find((g: Json) => g.vendor === 'sentry');
    expect(sentry).toMatchObject({ type: 'ReplyWriteError', occurrences: 3 });
    const detail = await get(`/api/error-groups/${sentry.id}?run=api`);
    expect(detail.status).toBe(200);
    expect(detail.body.occurrences.map((o: Json) => o.seq)).toEqual([12, 8, 4]);
    expect(detail.body.traces.map((t: Json) => t.vendor)).toEqual(['honeycomb', 'xray', 'sentry', 'datadog']);
    const missing = await get('/api/error-groups/sentry-00000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/no error group sentry-00000000/);
  });

  it.each([
    ['/api/service-map?vendor=newrelic', /vendor "newrelic" is not one of/],
    ['/api/service-map?run=a&run=b', /"run" must be given once/],
    ['/api/latency?by=a%20b', /"by" must be an attribute name/],
    ['/api/latency?buckets=0', /"buckets" must be an integer from 4 to 120/],
    ['/api/latency?bands=many', /"bands" must be an integer from 2 to 40/],
    ['/api/latency?cell=xray:99:0', /"cell" must be vendor:band:bucket within 12 bands/],
    ['/api/latency?cell=nobody:1:1', /"cell" must be vendor:band:bucket/],
    ['/api/error-groups?vendor=splunk', /vendor "splunk" is not one of/],
    ['/api/error-groups/not-an-id', /error group id must look like/],
  ])('400 for %s', async (path, message) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  });
});
