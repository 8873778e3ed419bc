import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../sandbox/store';
import { parseLogQuery, searchLogs } from '../../sandbox/views/log-search';
import { log } from './records';
import { addRequest, traceIdsOf } from './view-records';

const BASE = 1_796_000_000_000;

function filledStore(): SandboxStore {
  const store = new SandboxStore();
  for (let seq = 1; seq <= 6; seq++) {
    addRequest(store, {
      run: 'r1',
      seq,
      base: BASE + seq * 1000,
      handle: seq % 2 ? 'ada' : 'grace',
      fault: seq === 4,
    });
  }
  return store;
}

const query = (store: SandboxStore, q: Record<string, unknown>) => searchLogs(store, parseLogQuery(q));

describe('log queries', () => {
  const store = filledStore();

  it('filters by level, field = value and text, across vendors', () => {
    expect(query(store, {}).total).toBe(12); // a CloudWatch and a Rollbar line per request
    const errors = query(store, { level: 'error' });
    expect(errors.logs.map((l) => [l.vendor, l.seq, l.message])).toEqual([
      ['cloudwatch', 4, 'GET /api/activities/@:handle 500'],
    ]);
    expect(query(store, { level: 'warn,error', vendor: 'rollbar' }).total).toBe(0);
    expect(query(store, { field: 'user.handle=grace' }).logs.map((l) => l.seq)).toEqual([6, 4, 2]);
    expect(query(store, { field: 'group=/bakeoff/activities' }).total).toBe(6);
    expect(query(store, { text: 'SERVED @ADA' }).logs.map((l) => [l.vendor, l.seq])).toEqual([
      ['rollbar', 5],
      ['rollbar', 3],
      ['rollbar', 1],
    ]);
  });

  it('links every trace id on a line to each vendor that holds that trace', () => {
    const [line] = query(store, { vendor: 'cloudwatch', field: 'bakeoff.seq=2' }).logs;
    const ids = traceIdsOf({ run: 'r1', seq: 2 });
    expect(line.traceLinks).toEqual([
      { key: 'trace_id', id: ids.honeycomb, vendors: ['honeycomb'] },
      { key: 'xray_trace_id', id: ids.xray, vendors: ['xray'] },
      { key: 'dd.trace_id', id: ids.datadog, vendors: ['datadog'] },
      { key: 'sentry_trace_id', id: ids.sentry, vendors: ['sentry'] },
    ]);
  });

  it("finds a trace's lines whichever vendor shipped them (an X-Ray trace's CloudWatch line)", () => {
    const { xray, datadog } = traceIdsOf({ run: 'r1', seq: 3 });
    for (const id of [xray, datadog]) {
      const page = query(store, { trace: id });
      expect(page.logs.map((l) => [l.vendor, l.seq])).toEqual([['cloudwatch', 3]]);
    }
    expect(query(store, { trace: 'no-such-trace' }).total).toBe(0);
  });

  it('pages with a cursor through lines that share a timestamp', () => {
    const s = new SandboxStore();
    s.accept(
      'cloudwatch',
      { route: '/', bytes: 1, contentType: null },
      {
        spans: [],
        errors: [],
        logs: Array.from({ length: 25 }, (_, i) =>
          log('cloudwatch', { timestamp: BASE + (i % 3), message: `line ${i}` }),
        ),
      },
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = query(s, { limit: '4', cursor });
      seen.push(...page.logs.map((l) => l.message));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('refuses bad filters with a message naming the parameter', () => {
    expect(() => parseLogQuery({ level: 'loud' })).toThrow(/level "loud" is not one of trace, debug, info/);
    expect(() => parseLogQuery({ field: 'justakey' })).toThrow(/"field" must be key=value/);
    expect(() => parseLogQuery({ limit: '0' })).toThrow(/"limit" must be an integer from 1 to 1000/);
    expect(() => parseLogQuery({ cursor: 'eyJ4IjoxfQ' })).toThrow(/"cursor" is not one this API gave out/);
  });
});
