import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../sandbox/store';
import { batch, error, log, meta, requestSpans, span } from './records';

describe('SandboxStore caps and counts', () => {
  it('evicts the oldest spans first but keeps counting everything received', () => {
    const store = new SandboxStore({ caps: { maxSpans: 3 } });
    for (let i = 0; i < 5; i++)
      store.accept('otlp', meta(10), batch({ spans: [span('otlp', `t${i}`, 's')] }));
    expect(store.size.spans).toBe(3);
    expect(
      store
        .listTraces()
        .map((t) => t.traceId)
        .sort(),
    ).toEqual(['t2', 't3', 't4']);
    expect(store.getTrace('otlp', 't0')).toBeNull();
    const otlp = store.vendors().find((v) => v.vendor === 'otlp')!;
    expect(otlp).toEqual({ vendor: 'otlp', payloads: 5, bytes: 50, spans: 5, errors: 0, logs: 0 });
  });

  it('drops a trace from the index once its last span is evicted, keeps partial traces', () => {
    const store = new SandboxStore({ caps: { maxSpans: 4 } });
    store.accept(
      'otlp',
      meta(),
      batch({ spans: [span('otlp', 'x', '1'), span('otlp', 'x', '2', { parentId: '1' })] }),
    );
    store.accept(
      'otlp',
      meta(),
      batch({ spans: [span('otlp', 'y', '1'), span('otlp', 'y', '2'), span('otlp', 'y', '3')] }),
    );
    expect(store.getTrace('otlp', 'x')!.spans.map((s) => s.spanId)).toEqual(['2']);
    expect(store.listTraces({ vendor: 'otlp' })).toHaveLength(2);
  });

  it('reads only the held spans of a trace evicted part-way, and takes a re-sent evicted span as new', () => {
    const store = new SandboxStore({ caps: { maxSpans: 10 } });
    const ids = Array.from({ length: 100 }, (_, i) => `s${i}`);
    store.accept('otlp', meta(), batch({ spans: ids.map((id) => span('otlp', 'long', id)) }));
    expect(store.size).toMatchObject({ spans: 10, traces: 1 });
    const held = ids.slice(90);
    expect(store.getTrace('otlp', 'long')!.spans.map((s) => s.spanId)).toEqual(held);
    expect([...store.traceEntries()][0].summary.spanCount).toBe(10);
    expect([...[...store.traceEntries()][0].spans].map((s) => s.spanId)).toEqual(held);
    expect(store.span('otlp', 'long', 's0')).toBeNull();
    expect(store.span('otlp', 'long', 's95')!.spanId).toBe('s95');
    // s0 again is a new span (the oldest, s90, makes room), not an update of the evicted one.
    store.accept('otlp', meta(), batch({ spans: [span('otlp', 'long', 's0', { name: 'again' })] }));
    expect(store.span('otlp', 'long', 's0')!.name).toBe('again');
    expect(store.span('otlp', 'long', 's90')).toBeNull();
    expect(store.vendors().find((v) => v.vendor === 'otlp')!.spans).toBe(101);
    expect(store.getTrace('otlp', 'long')!.spans).toHaveLength(10);
  });

  it('bounds errors, logs and payloads independently', () => {
    const store = new SandboxStore({ caps: { maxErrors: 2, maxLogs: 1, maxPayloads: 2 } });
    for (let i = 0; i < 4; i++) {
      store.accept(
        'rollbar',
        meta(5, '/api/1/item/'),
        batch({ errors: [error('rollbar', { message: `e${i}` })] }),
      );
      store.accept('cloudwatch', meta(7, '/'), batch({ logs: [log('cloudwatch', { message: `l${i}` })] }));
    }
    expect(store.listErrors().map((e) => e.message)).toEqual(['e3', 'e2']);
    expect(store.listLogs().map((l) => l.message)).toEqual(['l3']);
    expect(store.listPayloads()).toHaveLength(2);
    const counts = Object.fromEntries(store.vendors().map((v) => [v.vendor, v]));
    expect(counts.rollbar.errors).toBe(4);
    expect(counts.cloudwatch.logs).toBe(4);
    expect(counts.cloudwatch.bytes).toBe(28);
  });

  it('lists every vendor, zeros for those that received nothing', () => {
    const vendors = new SandboxStore().vendors();
    expect(vendors.map((v) => v.vendor)).toEqual([
      'honeycomb',
      'xray',
      'sentry',
      'rollbar',
      'datadog',
      'cloudwatch',
      'otlp',
      'xray-otel',
    ]);
    expect(vendors.every((v) => v.payloads === 0 && v.spans === 0)).toBe(true);
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => new SandboxStore({ caps: { maxSpans: 0 } })).toThrow(/maxSpans/);
  });
});

describe('trace summaries', () => {
  it('derives root, services, span count, duration, error and correlation', () => {
    const store = new SandboxStore();
    store.accept(
      'honeycomb',
      meta(),
      batch({ spans: requestSpans('honeycomb', 'abc', 'run-1', 7, { base: 1000, fail: true }) }),
    );
    const [t] = store.listTraces();
    expect(t).toMatchObject({
      vendor: 'honeycomb',
      traceId: 'abc',
      rootName: 'GET /activities',
      rootSpanId: 'a1',
      services: ['activities', 'users'],
      spanCount: 4,
      startMs: 1000,
      durationMs: 180,
      error: true,
      runId: 'run-1',
      seq: 7,
    });
  });

  it('treats a span whose parent is missing as a root, earliest first', () => {
    const store = new SandboxStore();
    store.accept(
      'otlp',
      meta(),
      batch({
        spans: [
          span('otlp', 't', 'late', { parentId: 'gone', startMs: 50, name: 'late' }),
          span('otlp', 't', 'early', { parentId: 'also-gone', startMs: 10, durationMs: 5, name: 'early' }),
          span('otlp', 't', 'child', { parentId: 'early', startMs: 12, durationMs: 100 }),
        ],
      }),
    );
    const [t] = store.listTraces();
    expect(t.rootName).toBe('early');
    expect(t.durationMs).toBe(102);
    expect(t.error).toBe(false);
  });

  it('falls back to any span for correlation, and accepts the X-Ray spelling', () => {
    const store = new SandboxStore();
    store.accept(
      'xray',
      meta(),
      batch({
        spans: [
          span('xray', '1-a-b', 'seg', { startMs: 0 }),
          span('xray', '1-a-b', 'sub', {
            parentId: 'seg',
            startMs: 1,
            attributes: { bakeoff_run_id: 'r9', bakeoff_seq: '3' },
          }),
        ],
      }),
    );
    expect(store.listTraces()[0]).toMatchObject({ runId: 'r9', seq: 3 });
  });

  it('upserts by (vendor, traceId, spanId): later record wins and attribute bags merge', () => {
    const store = new SandboxStore();
    const partial = span('xray', '1-x', 'seg', {
      durationMs: 0,
      attributes: { in_progress: true, bakeoff_run_id: 'r' },
      native: { annotations: { bakeoff_run_id: 'r' } },
    });
    const full = span('xray', '1-x', 'seg', {
      durationMs: 42,
      status: 'error',
      attributes: { in_progress: false, 'http.status': 500 },
      native: { annotations: { bakeoff_seq: 2 }, metadata: { note: 'x' } },
    });
    store.accept('xray', meta(), batch({ spans: [partial] }));
    store.accept('xray', meta(), batch({ spans: [full] }));
    const trace = store.getTrace('xray', '1-x')!;
    expect(trace.spans).toHaveLength(1);
    expect(trace.spans[0]).toMatchObject({
      durationMs: 42,
      status: 'error',
      attributes: { in_progress: false, bakeoff_run_id: 'r', 'http.status': 500 },
      native: { annotations: { bakeoff_run_id: 'r', bakeoff_seq: 2 }, metadata: { note: 'x' } },
    });
    expect(trace.summary).toMatchObject({ spanCount: 1, durationMs: 42, error: true, runId: 'r', seq: 2 });
    expect(store.vendors().find((v) => v.vendor === 'xray')!.spans).toBe(1);
  });

  it('keeps the same trace id apart per vendor', () => {
    const store = new SandboxStore();
    store.accept('otlp', meta(), batch({ spans: [span('otlp', 'same', '1')] }));
    store.accept(
      'datadog',
      meta(),
      batch({ spans: [span('datadog', 'same', '1'), span('datadog', 'same', '2')] }),
    );
    expect(store.getTrace('otlp', 'same')!.spans).toHaveLength(1);
    expect(store.getTrace('datadog', 'same')!.spans).toHaveLength(2);
  });

  it('lists newest traces first and filters by vendor and run', () => {
    const store = new SandboxStore();
    store.accept('otlp', meta(), batch({ spans: requestSpans('otlp', 'old', 'r1', 1, { base: 1000 }) }));
    store.accept('otlp', meta(), batch({ spans: requestSpans('otlp', 'new', 'r2', 1, { base: 5000 }) }));
    store.accept('sentry', meta(), batch({ spans: requestSpans('sentry', 's', 'r1', 1, { base: 3000 }) }));
    expect(store.listTraces().map((t) => t.traceId)).toEqual(['new', 's', 'old']);
    expect(store.listTraces({ vendor: 'otlp', run: 'r1' }).map((t) => t.traceId)).toEqual(['old']);
    expect(store.listTraces({ limit: 1 }).map((t) => t.traceId)).toEqual(['new']);
  });
});

describe('errors, logs and runs', () => {
  it('fills an error’s run/seq from its trace when the event lacks them', () => {
    const store = new SandboxStore();
    store.accept('sentry', meta(), batch({ spans: requestSpans('sentry', 'tr', 'r1', 4) }));
    store.accept('sentry', meta(), batch({ errors: [error('sentry', { traceId: 'tr' })] }));
    expect(store.listErrors({ run: 'r1' })).toMatchObject([{ runId: 'r1', seq: 4, traceId: 'tr' }]);
    expect(store.listErrors({ run: 'other' })).toEqual([]);
  });

  it('builds the side-by-side data: per seq, per vendor', () => {
    const store = new SandboxStore();
    store.accept('honeycomb', meta(), batch({ spans: requestSpans('honeycomb', 'h1', 'run', 1) }));
    store.accept(
      'xray',
      meta(),
      batch({ spans: requestSpans('xray', '1-x', 'run', 1, { xraySpelling: true }) }),
    );
    store.accept(
      'rollbar',
      meta(),
      batch({ errors: [error('rollbar', { runId: 'run', seq: 2, type: 'TypeError' })] }),
    );
    store.accept(
      'cloudwatch',
      meta(),
      batch({
        logs: [log('cloudwatch', { runId: 'run', seq: 1 }), log('cloudwatch', { runId: 'run', seq: 1 })],
      }),
    );
    const view = store.runRequests('run');
    expect(view.vendors).toEqual(['honeycomb', 'xray', 'rollbar', 'cloudwatch']);
    expect(view.seqs).toEqual([1, 2]);
    const first = view.requests[0];
    expect(first.seq).toBe(1);
    expect(first.vendors.honeycomb).toMatchObject({
      traceIds: ['h1'],
      rootName: 'GET /activities',
      spanCount: 4,
    });
    expect(first.vendors.honeycomb!.durationMs).toBe(180);
    expect(first.vendors.honeycomb!.spans.find((s) => s.chaos)).toMatchObject({
      name: 'chaos.latency',
      offsetMs: 5,
      depth: 1,
    });
    expect(first.vendors.cloudwatch).toMatchObject({ logs: 2, spanCount: 0, traceIds: [] });
    expect(first.vendors.rollbar).toBeUndefined();
    expect(view.requests[1].vendors.rollbar!.errors).toEqual([
      { type: 'TypeError', message: 'boom', traceId: null, recordCount: 1 },
    ]);
    expect(store.runRequests('run', { seq: 2 }).requests.map((r) => r.seq)).toEqual([2]);
    expect(store.listRuns()).toMatchObject([{ runId: 'run', requests: 2 }]);
  });

  it('notifies subscribers on data and clear, and survives a throwing subscriber', () => {
    const store = new SandboxStore();
    const seen: string[] = [];
    store.subscribe(() => {
      throw new Error('bad listener');
    });
    const off = store.subscribe((e) => seen.push(e.type === 'data' ? `${e.vendor}:${e.spans}` : e.type));
    store.accept('otlp', meta(), batch({ spans: [span('otlp', 't', '1')] }));
    store.clear();
    off();
    store.accept('otlp', meta(), batch());
    expect(seen).toEqual(['otlp:1', 'clear']);
    expect(store.size.spans).toBe(0);
    expect(store.vendors().find((v) => v.vendor === 'otlp')!.payloads).toBe(1);
  });

  it('never keeps secret-looking values', () => {
    const store = new SandboxStore();
    store.accept(
      'otlp',
      meta(),
      batch({
        spans: [
          span('otlp', 't', '1', {
            attributes: {
              'http.request.header.authorization': 'Bearer abc',
              'http.url': 'http://h/x?sentry_key=k1&a=1',
            },
            native: { resource: { 'x-honeycomb-team': 'hc-key' } },
          }),
        ],
      }),
    );
    const s = store.getTrace('otlp', 't')!.spans[0];
    expect(JSON.stringify(s)).not.toMatch(/abc|k1|hc-key/);
    expect(s.attributes['http.url']).toBe('http://h/x?sentry_key=[redacted]&a=1');
  });
});
