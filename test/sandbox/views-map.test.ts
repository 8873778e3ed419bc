/**
 * The service map (sandbox/views/service-map.ts) from each vendor's native shapes: the same request reported by
 * OTel, X-Ray, Sentry and Datadog draws the same graph; an SQS hop draws a queue; Rollbar and CloudWatch say
 * why they cannot draw one.
 */
import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../sandbox/store';
import { vendorsToShow, serviceMap } from '../../sandbox/views/service-map';
import { addCall, sqsSpans, TRACING } from './map-records';
import { batch, meta, span } from './records';

const BASE = 1_800_000_000_000;

function storeWith(calls: number, failEvery = 0): SandboxStore {
  const store = new SandboxStore();
  for (let seq = 1; seq <= calls; seq++)
    addCall(store, {
      run: 'r1',
      seq,
      base: BASE + seq * 1000,
      durationMs: seq * 10,
      fail: failEvery > 0 && seq % failEvery === 0,
    });
  return store;
}

const edge = (m: ReturnType<typeof serviceMap>, from: string, to: string) =>
  m.edges.find((e) => e.from === from && e.to === to);

describe('service map', () => {
  it.each(TRACING)('%s: client → activities → users, each service with its own database', (vendor) => {
    const m = serviceMap(storeWith(10, 5), vendor, 'r1');
    expect(m.supported).toBe(true);
    expect(m.traces).toBe(10);
    expect(m.edges.map((e) => `${e.from} > ${e.to}`)).toEqual([
      'client > svc:activities',
      'svc:activities > db:sqlite@activities',
      'svc:activities > svc:users',
      'svc:users > db:sqlite@users',
    ]);
    // The nested users.lookup → HTTP client pair is one call, measured on the outer span.
    expect(edge(m, 'svc:activities', 'svc:users')!.stats).toEqual({
      count: 10,
      p50: 25,
      p95: 50,
      errorRate: 0,
    });
    // Root durations 10..100 ms; two of ten requests failed.
    expect(edge(m, 'client', 'svc:activities')!.stats).toEqual({
      count: 10,
      p50: 50,
      p95: 100,
      errorRate: 0.2,
    });
    expect(m.nodes.map((n) => [n.id, n.kind, n.layer, n.row])).toEqual([
      ['client', 'client', 0, 0],
      ['svc:activities', 'service', 1, 0],
      ['svc:users', 'service', 2, 0],
      ['db:sqlite@activities', 'database', 2, 1],
      ['db:sqlite@users', 'database', 3, 0],
    ]);
  });

  it('draws only the asked vendor’s spans and run', () => {
    const store = storeWith(3);
    addCall(store, { run: 'other', seq: 1, base: BASE, durationMs: 7 });
    const m = serviceMap(store, 'xray', 'other');
    expect(m.traces).toBe(1);
    expect(edge(m, 'client', 'svc:activities')!.stats.count).toBe(1);
    expect(serviceMap(store, 'xray').traces).toBe(4);
  });

  it('draws an SQS hop as a queue between the producer and the consumer', () => {
    const store = new SandboxStore();
    store.accept('honeycomb', meta(), batch({ spans: sqsSpans('sq'.padEnd(32, '0'), BASE) }));
    const m = serviceMap(store, 'honeycomb');
    expect(m.edges.map((e) => `${e.from} > ${e.to}`)).toEqual([
      'client > svc:activities',
      'queue:activity-events > svc:worker',
      'svc:activities > queue:activity-events',
    ]);
    expect(m.nodes.find((n) => n.id === 'queue:activity-events')).toMatchObject({ kind: 'queue', layer: 2 });
    expect(m.nodes.find((n) => n.id === 'svc:worker')).toMatchObject({ layer: 3 });
  });

  it('reads an X-Ray SendMessage subsegment as a queue, and its consumer segment as reading from it', () => {
    const store = new SandboxStore();
    const t = '1-6b0d5f3e-000000000000000000000abc';
    store.accept(
      'xray',
      meta(),
      batch({
        spans: [
          span('xray', t, 's1', { name: 'activities', kind: 'server', startMs: BASE, durationMs: 20 }),
          span('xray', t, 's2', {
            parentId: 's1',
            name: 'SQS',
            kind: 'client',
            startMs: BASE + 2,
            durationMs: 5,
            attributes: {
              'aws.operation': 'SendMessage',
              'aws.queue_url': 'https://sqs.us-east-1.amazonaws.com/1/jobs',
              'xray.namespace': 'aws',
            },
          }),
          span('xray', t, 's3', {
            parentId: 's2',
            name: 'worker',
            service: 'worker',
            kind: 'server',
            startMs: BASE + 40,
            durationMs: 9,
          }),
        ],
      }),
    );
    const m = serviceMap(store, 'xray');
    expect(m.edges.map((e) => `${e.from} > ${e.to}`)).toEqual([
      'client > svc:activities',
      'queue:jobs > svc:worker',
      'svc:activities > queue:jobs',
    ]);
  });

  it('names an external HTTP host, and a Datadog database by its host', () => {
    const store = new SandboxStore();
    store.accept(
      'datadog',
      meta(),
      batch({
        spans: [
          span('datadog', '77', 'a', {
            name: 'express.request',
            kind: 'server',
            startMs: BASE,
            durationMs: 30,
          }),
          span('datadog', '77', 'b', {
            parentId: 'a',
            name: 'http.request',
            kind: 'client',
            startMs: BASE,
            durationMs: 9,
            attributes: { 'out.host': 'api.github.com', 'span.type': 'http' },
          }),
          span('datadog', '77', 'c', {
            parentId: 'a',
            name: 'pg.query',
            kind: 'client',
            startMs: BASE,
            durationMs: 3,
            attributes: { 'db.type': 'postgres', 'out.host': 'db.internal', 'span.type': 'sql' },
          }),
        ],
      }),
    );
    const m = serviceMap(store, 'datadog');
    expect(
      m.nodes.filter((n) => n.kind !== 'client' && n.kind !== 'service').map((n) => [n.id, n.kind]),
    ).toEqual([
      ['db:postgres db.internal', 'database'],
      ['http:api.github.com', 'http'],
    ]);
  });

  it.each([
    ['rollbar', /Rollbar receives errors only/],
    ['cloudwatch', /CloudWatch Logs receives logs only/],
  ] as const)('%s says why its data cannot draw a map', (vendor, reason) => {
    const m = serviceMap(storeWith(2), vendor, 'r1');
    expect(m).toMatchObject({ supported: false, nodes: [], edges: [] });
    expect(m.reason).toMatch(reason);
  });

  it('side by side: every vendor with spans in the run, plus those that cannot draw one', () => {
    expect(vendorsToShow(storeWith(2), 'r1')).toEqual([
      'honeycomb',
      'xray',
      'sentry',
      'rollbar',
      'datadog',
      'cloudwatch',
    ]);
  });

  it('counts a span that arrives after the map was drawn (the per-trace cache follows the trace)', () => {
    const store = storeWith(1);
    const before = serviceMap(store, 'honeycomb', 'r1');
    expect(edge(before, 'svc:activities', 'db:sqlite@activities')!.stats.count).toBe(1);
    const traceId = store.listTraces({ vendor: 'honeycomb' })[0].traceId;
    store.accept(
      'honeycomb',
      meta(),
      batch({
        spans: [
          span('honeycomb', traceId, 'db3', {
            parentId: 'root',
            kind: 'client',
            startMs: BASE + 1020,
            attributes: { 'db.system': 'sqlite' },
          }),
        ],
      }),
    );
    const after = serviceMap(store, 'honeycomb', 'r1');
    expect(edge(after, 'svc:activities', 'db:sqlite@activities')!.stats.count).toBe(2);
  });
});
