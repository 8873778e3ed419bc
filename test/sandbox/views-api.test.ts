import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { addRequest, traceIdsOf } from './view-records';

// Response bodies are untyped JSON, asserted field by field below.
type Json = any;

const REQUESTS = 80; // × 4 tracing vendors = 320 traces: past the newest 200
let sandbox: Sandbox;
const get = async (path: string) => {
  const res = await fetch(`${sandbox.url}${path}`);
  return { status: res.status, body: (await res.json()) as Json };
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  for (let seq = 1; seq <= REQUESTS; seq++) {
    addRequest(sandbox.store, {
      run: 'api-run',
      seq,
      base: 1_796_000_000_000 + seq * 1000,
      handle: seq % 5 === 0 ? 'ada' : 'linus',
      delayMs: seq % 10 === 0 ? 250 : undefined,
      fault: seq % 20 === 0,
    });
  }
});

afterAll(async () => {
  await sandbox?.close();
});

describe('view API: trace search', () => {
  it('pages past the newest 200 with a cursor, every trace exactly once', async () => {
    const ids: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const { status, body } = await get(`/api/search/traces?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      expect(body.total).toBe(REQUESTS * 4);
      ids.push(...body.traces.map((t: Json) => `${t.vendor}/${t.traceId}`));
      cursor = body.nextCursor ?? '';
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(ids).toHaveLength(REQUESTS * 4);
    expect(new Set(ids).size).toBe(REQUESTS * 4);
  });

  it('combines vendor, attribute, errors and chaos filters as the UI URL holds them', async () => {
    const { body } = await get('/api/search/traces?vendor=xray&attr=app.user_handle%3Dada&errors=1');
    expect(body.traces.map((t: Json) => t.seq)).toEqual([80, 60, 40, 20]);
    expect(body.traces[0]).toMatchObject({
      vendor: 'xray',
      traceId: traceIdsOf({ run: 'api-run', seq: 80 }).xray,
      route: 'GET /api/activities/@:handle',
      httpStatus: 500,
      chaos: { delayMs: 250, fault: 'feed-fails' },
    });
    const slow = await get('/api/search/traces?chaos=delay&minMs=200&sort=duration&limit=200');
    expect(slow.body.total).toBe(32); // 8 delayed requests × 4 tracing vendors
    expect(new Set(slow.body.traces.map((t: Json) => t.vendor))).toEqual(
      new Set(['honeycomb', 'sentry', 'xray', 'datadog']),
    );
  });

  it('answers bad filters with a 400 that names the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['vendor=newrelic', /vendor "newrelic"/],
      ['minMs=-1', /"minMs" must be a number/],
      ['attr=nokey', /"attr" must be key=value/],
      ['sort=random', /"sort" must be one of/],
      ['limit=5000', /"limit" must be an integer from 1 to 200/],
      ['cursor=%7B%7D', /"cursor" is not one this API gave out/],
    ];
    for (const [q, message] of cases) {
      const { status, body } = await get(`/api/search/traces?${q}`);
      expect(status, q).toBe(400);
      expect(body.error).toMatch(message);
    }
  });
});

describe('view API: logs', () => {
  it('filters CloudWatch and Rollbar lines by level, field and text, each id linked to its vendor', async () => {
    const errors = await get('/api/search/logs?level=error');
    expect(errors.body.total).toBe(4);
    expect(errors.body.logs.every((l: Json) => l.vendor === 'cloudwatch')).toBe(true);
    const [line] = errors.body.logs;
    expect(line.traceLinks.map((t: Json) => [t.key, t.vendors])).toEqual([
      ['trace_id', ['honeycomb']],
      ['xray_trace_id', ['xray']],
      ['dd.trace_id', ['datadog']],
      ['sentry_trace_id', ['sentry']],
    ]);
    const rollbar = await get('/api/search/logs?vendor=rollbar&text=%40ada&field=bakeoff.seq%3D15');
    expect(rollbar.body.logs.map((l: Json) => [l.vendor, l.message])).toEqual([['rollbar', 'served @ada']]);
  });

  it("gives a trace's log lines from any vendor", async () => {
    const { xray } = traceIdsOf({ run: 'api-run', seq: 7 });
    const { body } = await get(`/api/search/logs?trace=${encodeURIComponent(xray)}`);
    expect(body.logs.map((l: Json) => [l.vendor, l.seq])).toEqual([['cloudwatch', 7]]);
  });

  it('answers bad filters with a 400', async () => {
    for (const q of ['level=verbose', 'field=x', 'limit=abc', 'vendor=splunk']) {
      const { status, body } = await get(`/api/search/logs?${q}`);
      expect(status, q).toBe(400);
      expect(body.error).toBeTruthy();
    }
  });
});
