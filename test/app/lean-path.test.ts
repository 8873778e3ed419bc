/**
 * The request path does no work nobody uses (issue 10, "a lean harness"): with no vendor that would read it,
 * the facade, the request context, the store observer and chaos cost nothing, and the API is matched before
 * any router that can't answer it. Each test fails on the code before that change.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneAdapter } from '../../adapters/none';
import type { Adapter } from '../../adapters/types';
import { UsersClient } from '../../app/activities/users-client';
import { ChaosEngine } from '../../app/chaos/engine';
import { loadScenario } from '../../app/chaos/scenario';
import type { ServerResponse } from 'node:http';
import { OpenResponses } from '../../app/http/open-responses';
import { Drain } from '../../app/lifecycle';
import { activitiesLayers, createActivitiesApp } from '../../app/server';
import { querySpans } from '../../app/service';
import { createStore, type Store } from '../../app/store';
import { Telemetry } from '../../app/telemetry/facade';
import { createLogger } from '../../app/telemetry/logger';
import { requestContext } from '../../app/telemetry/request-context';
import { postJson, type ServicePair, startPair } from '../helpers/services';

const none = () => new Telemetry([createNoneAdapter({ serviceName: 'activities', sandboxUrl: '', env: {} })]);

/** An adapter that traces and annotates (into nothing): what makes the per-request work worth doing. */
const tracer: Adapter = {
  name: 'none',
  destination: { kind: 'sandbox', endpoint: 'memory' },
  start() {},
  withSpan: (_name, _options, fn) => fn(),
  annotate() {},
  async flush() {},
  async shutdown() {},
};

const logger = (telemetry: Telemetry, silent: boolean) =>
  createLogger({ service: 'activities', level: 'info', telemetry, silent });

describe('with nothing to report to', () => {
  it('leaves the store unwrapped: no span per query unless an adapter traces', () => {
    expect(querySpans(none())).toBeUndefined();
    expect(querySpans(new Telemetry([tracer]))).toEqual(expect.any(Function));
  });

  it('mounts no request-context middleware unless an adapter annotates or the log is read', () => {
    const quiet = none();
    expect(requestContext(quiet, logger(quiet, true))).toBeUndefined();
    expect(requestContext(quiet, logger(quiet, false))).toEqual(expect.any(Function));
    const traced = new Telemetry([tracer]);
    expect(requestContext(traced, logger(traced, true))).toEqual(expect.any(Function));
  });

  it('answers "no chaos" for a route no rule names with one shared empty list, and re-indexes on change', () => {
    const engine = new ChaosEngine(loadScenario('off'), 1);
    const first = engine.decide('GET /api/activities/search', 1);
    expect(first).toEqual([]);
    expect(engine.decide('GET /api/activities/home', 2)).toBe(first);
    engine.set({ scenario: loadScenario('bootcamp') });
    expect(engine.decide('POST /api/activities', 3)).toHaveLength(1);
    expect(engine.decide('GET /api/activities/search', 3)).toBe(first);
  });
});

describe('the drain counter’s open responses', () => {
  it('keeps what was added and not removed, reusing freed slots instead of growing', () => {
    const open = new OpenResponses();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => ({ name }) as unknown as ServerResponse);
    const slotA = open.add(a);
    const slotB = open.add(b);
    expect(open.size).toBe(2);
    open.remove(slotA);
    open.remove(slotA); // 'close' comes once, but a second removal must not miscount
    expect(open.size).toBe(1);
    expect([...open]).toEqual([b]);
    expect(open.add(c)).toBe(slotA);
    expect([...open]).toEqual([c, b]);
    open.remove(slotB);
    expect([...open]).toEqual([c]);
  });
});

describe('the activities app', () => {
  let store: Store;
  beforeAll(async () => {
    store = await createStore({
      dataDir: mkdtempSync(path.join(tmpdir(), 'bakeoff-lean-')),
      fileName: 'a.sqlite',
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  const deps = () => {
    const telemetry = none();
    return {
      store,
      telemetry,
      logger: logger(telemetry, true),
      chaos: new ChaosEngine(loadScenario('off'), 1),
      adminToken: undefined,
      first: [new Drain().middleware],
      users: new UsersClient({ baseUrl: 'http://127.0.0.1:9', serviceToken: 'x' }, telemetry),
    };
  };

  it('matches the API before the health and admin routers', () => {
    const names = activitiesLayers(deps()).map((layer) => layer.name);
    expect(names.indexOf('routes')).toBeLessThan(names.indexOf('health'));
    expect(names.indexOf('routes')).toBeLessThan(names.indexOf('admin'));
  });

  it('registers the API routes on the app itself, not inside a nested router', () => {
    const app = createActivitiesApp(deps());
    const top = (app.router as unknown as { stack: Array<{ route?: { path: string } }> }).stack;
    const paths = top.flatMap((layer) => (layer.route ? [layer.route.path] : []));
    expect(paths).toEqual(expect.arrayContaining(['/api/activities/home', '/api/activities/search']));
  });
});

describe('correlation without the request-context middleware', () => {
  let pair: ServicePair;
  beforeAll(async () => {
    // No adapters and a quiet log: the middleware isn't mounted, so routes read the headers themselves.
    pair = await startPair({ CHAOS: 'bootcamp', CHAOS_SEED: '7' });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('still decides chaos from the request’s x-bakeoff-seq', async () => {
    const create = (seq: string) =>
      postJson(
        `${pair.url}/api/activities`,
        { handle: 'ada', message: `seq ${seq}` },
        { 'x-bakeoff-seq': seq },
      );
    const [a, b, c] = [await create('41'), await create('41'), await create('42')];
    const delay = (r: typeof a) => r.headers.get('x-bakeoff-chaos');
    expect(delay(a)).toMatch(/^rule=create-activity-sleep;delay_ms=\d+$/);
    expect(delay(b)).toBe(delay(a));
    expect(delay(c)).not.toBe(delay(a));
  });
});
