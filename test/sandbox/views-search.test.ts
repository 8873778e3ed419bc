import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../sandbox/store';
import { QueryError } from '../../sandbox/views/query-params';
import { parseTraceQuery, searchTraces, type TraceHit } from '../../sandbox/views/search';
import { addRequest, traceIdsOf } from './view-records';

const BASE = 1_796_000_000_000;

/** 12 requests of run `r1` and 3 of `r2`: every third delayed, every fourth failing, handles alternate. */
function filledStore(): SandboxStore {
  const store = new SandboxStore();
  for (let seq = 1; seq <= 12; seq++) {
    addRequest(store, {
      run: 'r1',
      seq,
      base: BASE + seq * 1000,
      handle: seq % 2 ? 'ada' : 'grace',
      delayMs: seq % 3 === 0 ? 100 + seq : undefined,
      fault: seq % 4 === 0,
    });
  }
  for (let seq = 1; seq <= 3; seq++) addRequest(store, { run: 'r2', seq, base: BASE + 100_000 + seq });
  return store;
}

const search = (store: SandboxStore, query: Record<string, unknown>) =>
  searchTraces(store, parseTraceQuery(query));
const seqs = (hits: TraceHit[]) => [...new Set(hits.map((h) => h.seq))].sort((a, b) => a! - b!);

describe('trace search', () => {
  const store = filledStore();

  it('filters by vendor and shows each vendor its own route, status and chaos', () => {
    const page = search(store, { vendor: 'xray', run: 'r1', chaos: 'delay' });
    expect(page.total).toBe(4);
    expect(page.traces.map((t) => t.seq)).toEqual([12, 9, 6, 3]); // newest first
    const hit = page.traces[0];
    expect(hit).toMatchObject({
      vendor: 'xray',
      traceId: traceIdsOf({ run: 'r1', seq: 12 }).xray,
      rootName: 'activities',
      route: 'GET /api/activities/@:handle',
      httpStatus: 500,
      error: true,
      spanCount: 2,
      chaos: { delayMs: 112, fault: 'feed-fails' },
    });
    // Datadog's route is its resource name; its status tag is a string.
    const dd = search(store, { vendor: 'datadog', run: 'r1', errors: '1' });
    expect(dd.traces.map((t) => [t.seq, t.route, t.httpStatus])).toEqual([
      [12, 'GET /api/activities/@:handle', 500],
      [8, 'GET /api/activities/@:handle', 500],
      [4, 'GET /api/activities/@:handle', 500],
    ]);
  });

  it('finds attribute = value under every vendor spelling, including the X-Ray console name', () => {
    const byVendor = (query: Record<string, unknown>) => {
      const out: Record<string, TraceHit[]> = {};
      for (const t of search(store, { run: 'r1', limit: '200', ...query }).traces)
        (out[t.vendor] ??= []).push(t);
      return out;
    };
    const ada = byVendor({ attr: 'app.user_handle = ada' });
    for (const vendor of ['honeycomb', 'sentry', 'xray', 'datadog']) {
      expect(seqs(ada[vendor] ?? []), vendor).toEqual([1, 3, 5, 7, 9, 11]);
    }
    expect(seqs(byVendor({ attr: 'annotation.app_user_handle=grace' }).xray ?? [])).toEqual([
      2, 4, 6, 8, 10, 12,
    ]);
    expect(byVendor({ attr: 'annotation.app_user_handle=grace' }).honeycomb).toBeUndefined();
    expect(seqs(byVendor({ attr: '@app.user_handle=grace', vendor: 'datadog' }).datadog ?? [])).toHaveLength(
      6,
    );
    // Two attributes: both must hold (a numeric status matches as it prints).
    const both = byVendor({ attr: ['app.user_handle=grace', 'http.response.status_code=500'] });
    expect(seqs(both.honeycomb ?? [])).toEqual([4, 8, 12]);
  });

  it('filters by service, span or route name, errors, duration and injected fault', () => {
    expect(search(store, { service: 'users', run: 'r1' }).total).toBe(24); // honeycomb + sentry call users
    expect(search(store, { name: 'USERS.look', run: 'r1' }).total).toBe(24);
    expect(search(store, { name: 'express.request' }).traces.every((t) => t.vendor === 'datadog')).toBe(true);
    expect(search(store, { name: '@:handle', vendor: 'xray' }).total).toBe(15); // the route, not the span name
    expect(search(store, { errors: '1', vendor: 'honeycomb' }).total).toBe(3);
    expect(search(store, { chaos: 'fault', vendor: 'sentry' }).total).toBe(3);
    expect(search(store, { chaos: 'any', vendor: 'sentry' }).total).toBe(6); // 3, 4, 6, 8, 9, 12
    const slow = search(store, { minMs: '145', maxMs: '150', vendor: 'honeycomb' });
    expect(slow.traces.map((t) => t.durationMs)).toEqual([149, 146]);
  });

  it('sorts by duration, longest first', () => {
    const page = search(store, { vendor: 'honeycomb', sort: 'duration', limit: '3' });
    expect(page.traces.map((t) => t.durationMs)).toEqual([152, 149, 146]);
  });

  it('pages with a cursor: every match exactly once, in order, even with ties', () => {
    for (const sort of ['time', 'duration']) {
      const all: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = search(store, { sort, limit: '7', cursor });
        all.push(...page.traces.map((t) => `${t.vendor}/${t.traceId}`));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      const everything = search(store, { sort, limit: '200' }).traces.map((t) => `${t.vendor}/${t.traceId}`);
      expect(all).toEqual(everything);
      expect(new Set(all).size).toBe(60);
      expect(pages).toBe(9);
    }
  });

  it('keeps paging right when newer traces arrive between pages', () => {
    const s = filledStore();
    const first = search(s, { vendor: 'honeycomb', limit: '5' });
    addRequest(s, { run: 'r3', seq: 1, base: BASE + 999_999 }); // newest of all
    const second = search(s, { vendor: 'honeycomb', limit: '5', cursor: first.nextCursor });
    const shown = [...first.traces, ...second.traces].map((t) => t.traceId);
    expect(new Set(shown).size).toBe(10);
    expect(second.traces[0].startMs).toBeLessThan(first.traces[4].startMs);
  });

  it('refuses bad filters with a message naming the parameter', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ vendor: 'newrelic' }, /vendor "newrelic" is not one of/],
      [{ minMs: 'fast' }, /"minMs" must be a number/],
      [{ minMs: '10', maxMs: '5' }, /minMs \(10\) is larger than maxMs \(5\)/],
      [{ attr: 'app.user_handle' }, /"attr" must be key=value/],
      [{ sort: 'name' }, /"sort" must be one of time, duration/],
      [{ chaos: 'yes' }, /"chaos" must be one of delay, fault, any/],
      [{ errors: 'maybe' }, /"errors" must be 1 or 0/],
      [{ limit: '201' }, /"limit" must be an integer from 1 to 200/],
      [{ cursor: 'not-a-cursor' }, /"cursor" is not one this API gave out/],
      [{ run: ['a', 'b'] }, /"run" must be given once/],
    ];
    for (const [query, message] of bad) {
      expect(() => parseTraceQuery(query), JSON.stringify(query)).toThrow(message);
      expect(() => parseTraceQuery(query)).toThrow(QueryError);
    }
  });
});
