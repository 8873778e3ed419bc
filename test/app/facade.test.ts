import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter, AttributeValue, ErrorContext, Scope } from '../../adapters/types';
import { describeError } from '../../app/http/errors';
import { Telemetry } from '../../app/telemetry/facade';
import { getJson, postJson, type ServicePair, startPair } from '../helpers/services';

/** A test adapter that records what the facade asks of it (no vendor involved). */
function recorder() {
  const spans: Array<{ name: string; attributes: Record<string, AttributeValue>; depth: number }> = [];
  const annotations: Array<[string, AttributeValue, Scope]> = [];
  const errors: Array<{ error: Error; context: ErrorContext }> = [];
  const logs: string[] = [];
  let depth = 0;
  const adapter: Adapter = {
    name: 'none',
    destination: { kind: 'sandbox', endpoint: 'memory' },
    start() {},
    async withSpan(name, options, fn) {
      spans.push({ name, attributes: { ...options.attributes }, depth });
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
      }
    },
    annotate: (key, value, scope) => annotations.push([key, value, scope]),
    captureError: (error, context) => errors.push({ error, context }),
    log: (entry) => logs.push(entry.message),
    traceContext: () => ({ trace_id: 'recorded-trace' }),
    async flush() {},
    async shutdown() {},
  };
  return { adapter, spans, annotations, errors, logs };
}

/** An adapter that throws from every hook: it must never cost a request. */
const broken: Adapter = {
  name: 'xray',
  destination: { kind: 'sandbox', endpoint: 'memory' },
  start() {},
  requestHandler: () => () => {
    throw new Error('middleware boom');
  },
  withSpan: () => {
    throw new Error('span boom');
  },
  annotate: () => {
    throw new Error('annotate boom');
  },
  captureError: () => {
    throw new Error('capture boom');
  },
  log: () => {
    throw new Error('log boom');
  },
  flush: () => new Promise(() => {}),
  shutdown: () => new Promise(() => {}),
};

describe('telemetry facade in the app', () => {
  let pair: ServicePair;
  let rec: ReturnType<typeof recorder>;
  beforeAll(async () => {
    rec = recorder();
    pair = await startPair({ CHAOS: 'bootcamp' }, { activities: [rec.adapter] });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('puts spans on the handler, each query, chaos latency and the users call, nested', async () => {
    rec.spans.length = 0;
    const res = await postJson(
      `${pair.url}/api/activities`,
      { handle: 'ada', message: 'traced' },
      { 'x-bakeoff-seq': '5' },
    );
    expect(res.status).toBe(201);
    const names = rec.spans.map((s) => s.name);
    expect(names[0]).toBe('activities.create');
    expect(names).toContain('chaos.latency');
    expect(names).toContain('users.lookup');
    expect(names).toContain('db.query');
    const chaos = rec.spans.find((s) => s.name === 'chaos.latency')!;
    expect(chaos.depth).toBe(1);
    expect(chaos.attributes).toMatchObject({
      'chaos.rule': 'create-activity-sleep',
      'chaos.delay_ms': expect.any(Number),
    });
    const insert = rec.spans.find(
      (s) => s.name === 'db.query' && /INSERT/i.test(String(s.attributes['db.statement'])),
    );
    expect(insert?.attributes['db.system']).toBe('sqlite');
    expect(insert?.depth).toBe(1);
  });

  it('stamps run and seq on the root and records the homework annotations', async () => {
    rec.annotations.length = 0;
    await getJson(`${pair.url}/api/activities/@ada`, { 'x-bakeoff-run': 'run-1', 'x-bakeoff-seq': '9' });
    expect(rec.annotations).toEqual(
      expect.arrayContaining([
        ['bakeoff.run_id', 'run-1', 'root'],
        ['bakeoff.seq', 9, 'root'],
        ['app.user_handle', 'ada', 'span'],
        ['app.result_length', expect.any(Number), 'span'],
      ]),
    );
  });

  it('logs one line per request with the adapters’ trace ids', async () => {
    rec.logs.length = 0;
    await getJson(`${pair.url}/api/activities/home`);
    expect(rec.logs).toEqual(['GET /api/activities/home 200']);
  });

  it('captures server errors with request context and correlation', async () => {
    rec.errors.length = 0;
    const token = { authorization: 'Bearer x' };
    expect((await getJson(`${pair.url}/admin/chaos`, token)).status).toBe(404);
    expect(rec.errors).toHaveLength(0); // a 4xx is not an error to report
  });
});

describe('a throwing adapter', () => {
  let pair: ServicePair;
  const reported: string[] = [];
  beforeAll(async () => {
    pair = await startPair({}, { activities: [broken] });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('never fails a request', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await getJson(`${pair.url}/api/activities/home`)).status).toBe(200);
      expect((await postJson(`${pair.url}/api/activities`, { handle: 'ada', message: `m${i}` })).status).toBe(
        201,
      );
    }
  });

  it('is reported once per hook, and flush/shutdown are bounded by the timeout', async () => {
    const telemetry = new Telemetry([broken], (adapter, hook) => reported.push(`${adapter}.${hook}`));
    for (let i = 0; i < 5; i++) {
      await telemetry.span('x', {}, async () => telemetry.annotate('k', 1));
      telemetry.captureError(new Error('e'));
    }
    await telemetry.flush(50);
    expect(reported).toEqual(['xray.withSpan', 'xray.annotate', 'xray.captureError']);
  });
});

describe('error answers', () => {
  it('never leak an unexpected error’s message or stack', () => {
    const error = new Error('ENOENT /srv/app/secret.ts');
    expect(describeError(error)).toEqual({ status: 500, message: 'Internal server error' });
  });
});
