/**
 * Latency by attribute (sandbox/views/latency.ts): counts, percentiles and error rates grouped by route, status
 * and any attribute under each vendor's spelling (X-Ray's `app_user_handle`), the heatmap's cells and the samples
 * behind one, CloudWatch from its access-log durations, and Rollbar saying why it has none.
 */
import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../sandbox/store';
import { latencyBoard, type LatencyQuery } from '../../sandbox/views/latency';
import { addCall, callSpans, TRACING } from './map-records';
import { batch, meta } from './records';

const BASE = 1_800_000_000_000;
const HANDLES = ['ada', 'ken'];

/** Ten requests: ada's take 10, 30, 50, 70, 90 ms; ken's 20..100 ms; every fifth fails. */
function store(): SandboxStore {
  const s = new SandboxStore();
  for (let seq = 1; seq <= 10; seq++)
    addCall(s, {
      run: 'r1',
      seq,
      base: BASE + seq * 1000,
      durationMs: seq * 10,
      fail: seq % 5 === 0,
      handle: HANDLES[(seq + 1) % 2],
    });
  return s;
}

const query = (over: Partial<LatencyQuery> = {}): LatencyQuery => ({
  vendors: [...TRACING, 'rollbar', 'cloudwatch'],
  run: 'r1',
  by: 'route',
  buckets: 10,
  bands: 5,
  ...over,
});

describe('latency by attribute', () => {
  it.each(TRACING)('%s: groups by app.user_handle under its own spelling', (vendor) => {
    const board = latencyBoard(store(), query({ vendors: [vendor], by: 'app.user_handle' }));
    const v = board.vendors[0];
    expect(v.source).toBe('traces');
    expect(v.stats).toEqual({ count: 10, p50: 50, p95: 100, p99: 100, errorRate: 0.2 });
    expect(v.groups.map((g) => [g.value, g.count, g.p50, g.p95, g.errorRate])).toEqual([
      ['ada', 5, 50, 90, 0.2],
      ['ken', 5, 60, 100, 0.2],
    ]);
    expect(v.groups[0].key).toBe(vendor === 'xray' ? 'app_user_handle' : 'app.user_handle');
  });

  it('groups by route and HTTP status the way trace search names them', () => {
    const board = latencyBoard(store(), query({ vendors: ['honeycomb', 'xray'], by: 'status' }));
    for (const v of board.vendors)
      expect(v.groups.map((g) => [g.value, g.count])).toEqual([
        ['200', 8],
        ['500', 2],
      ]);
    const routes = latencyBoard(store(), query({ vendors: ['datadog', 'cloudwatch'] }));
    expect(routes.vendors.map((v) => v.groups.map((g) => g.value))).toEqual([
      ['GET /api/activities/home'],
      ['GET /api/activities/home'],
    ]);
  });

  it('narrows the heatmap and totals to one group, and lists the samples of a cell', () => {
    const all = latencyBoard(store(), query({ vendors: ['sentry'] }));
    expect(all.vendors[0].cells.flat().reduce((a, b) => a + b, 0)).toBe(10);
    // Log-spaced bands from the fastest (10 ms) to the slowest (100 ms) request, shared by every vendor.
    expect(all.bands[0].minMs).toBe(0);
    expect(all.bands.at(-1)!.maxMs).toBe(100);
    const ken = latencyBoard(store(), query({ vendors: ['sentry'], by: 'app.user_handle', group: 'ken' }));
    const v = ken.vendors[0];
    expect(v.stats.count).toBe(5);
    expect(v.groups).toHaveLength(2); // the table still lists every group
    const slowest = ken.bands.length - 1;
    // The last bucket with a sample in the slowest band: the 100 ms request.
    const bucket = v.cells[slowest].length - 1 - [...v.cells[slowest]].reverse().findIndex((n) => n > 0);
    const cell = latencyBoard(
      store(),
      query({ vendors: ['sentry'], by: 'app.user_handle', group: 'ken', cell: ['sentry', slowest, bucket] }),
    );
    expect(cell.vendors[0].cellSamples!.map((s) => [s.durationMs, s.seq, s.value])).toEqual([
      [100, 10, 'ken'],
    ]);
    expect(cell.vendors[0].cellSamples![0].traceId).toMatch(/^se/);
  });

  it('CloudWatch: from access-log durations; Rollbar: says it has none', () => {
    const board = latencyBoard(store(), query({ vendors: ['cloudwatch', 'rollbar'], by: 'status' }));
    const [cw, rollbar] = board.vendors;
    expect(cw).toMatchObject({ source: 'logs', reason: null });
    expect(cw.stats).toMatchObject({ count: 10, p50: 50, errorRate: 0.2 });
    expect(cw.groups.map((g) => [g.value, g.count])).toEqual([
      ['200', 8],
      ['500', 2],
    ]);
    expect(rollbar).toMatchObject({ source: null, stats: { count: 0 } });
    expect(rollbar.reason).toMatch(/Rollbar receives errors only/);
  });

  it('puts requests without the attribute under (none)', () => {
    const board = latencyBoard(store(), query({ vendors: ['honeycomb'], by: 'chaos.rule' }));
    expect(board.vendors[0].groups).toMatchObject([{ value: '(none)', count: 10, key: null }]);
  });

  it('names an X-Ray request by its own route, not the route the users service stamped further down', () => {
    const s = new SandboxStore();
    const spans = callSpans('xray', { run: 'r1', seq: 1, base: BASE, durationMs: 40 });
    spans[0].attributes['http.request.method'] = 'GET';
    spans.find((x) => x.spanId === 'users')!.attributes.app_route = 'GET /api/users';
    s.accept('xray', meta(), batch({ spans }));
    const board = latencyBoard(s, query({ vendors: ['xray'] }));
    expect(board.vendors[0].groups.map((g) => g.value)).toEqual(['GET /api/activities/home']);
  });
});
