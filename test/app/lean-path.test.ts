/**
 * The request path does no work nobody uses (issue 10, "a lean harness"): with no vendor that would read it,
 * the facade, the request context, the store observer and chaos cost nothing, and the API is matched before
 * any router that can't answer it. Each test fails on the code before that change.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneAdapter } from '../../adapters/none';
import type { Adapter } from '../../adapters/types';
import { UsersClient } from '../../app/activities/users-client';
import { ChaosEngine } from '../../app/chaos/engine';
import { loadScenario } from '../../app/chaos/scenario';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError } from '../../app/http/errors';
import { OpenResponses } from '../../app/http/open-responses';
import { SEARCH_QUERY, searchTerm, validate } from '../../app/http/validation';
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

describe('the search term, checked by hand on the light route', () => {
  /** What the schema alone answers: the term, or the 400's message. */
  const bySchema = (query: unknown) => {
    try {
      return validate(SEARCH_QUERY, query, 'search').term;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const byHand = (query: unknown) => {
    try {
      return searchTerm(query);
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(400);
      return (error as Error).message;
    }
  };

  it.each([
    { term: 'moth' },
    { term: '  padded\t' },
    { term: 'x'.repeat(100) },
    { term: ` ${'x'.repeat(100)} ` },
    { term: 'x'.repeat(101) },
    { term: '' },
    { term: ' \n ' },
    { term: ['a', 'b'] },
    { other: 'x' },
    {},
    undefined,
  ])('answers %j exactly as the schema does', (query) => {
    expect(byHand(query)).toBe(bySchema(query));
  });
});

describe('the drain counter’s open responses', () => {
  it('keeps what was added and not removed, reusing freed slots instead of growing', () => {
    const open = new OpenResponses();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => ({ name }) as unknown as ServerResponse);
    open.add(a);
    open.add(b);
    expect(open.size).toBe(2);
    open.remove(a);
    open.remove(a); // 'close' comes once, but a second removal must not miscount
    expect(open.size).toBe(1);
    expect([...open]).toEqual([b]);
    open.add(c);
    expect([...open]).toEqual([c, b]); // c took a's freed slot
    open.remove(b);
    expect([...open]).toEqual([c]);
    open.remove(a); // long gone, and its slot is c's now: c stays
    expect([...open]).toEqual([c]);
    expect(open.size).toBe(1);
  });
});

describe('the drain counter, in front of the app', () => {
  let server: http.Server | undefined;
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('counts as the server’s request listener: stop waits for a request in flight and marks its answer', async () => {
    const app = express();
    let answer: (() => void) | undefined;
    const arrived = new Promise<void>((resolve) => {
      app.get('/slow', (_req, res) => {
        answer = () => res.json({ ok: true });
        resolve();
      });
    });
    const drain = new Drain();
    server = http.createServer(drain.counting(app)).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server?.once('listening', resolve));
    const response = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`);
    await arrived;
    let stopped = false;
    const stopping = drain.stop(server, 30_000).then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false); // the request is still in flight
    answer?.();
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close'); // answered after the drain began
    await stopping;
    expect(stopped).toBe(true);
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
      users: new UsersClient({ baseUrl: 'http://127.0.0.1:9', serviceToken: 'x' }, telemetry),
    };
  };

  it('matches the API before the health and admin routers', () => {
    const names = activitiesLayers(deps()).map((layer) => layer.name);
    expect(names.indexOf('routes')).toBeLessThan(names.indexOf('health'));
    expect(names.indexOf('routes')).toBeLessThan(names.indexOf('admin'));
  });

  it('has no drain counter among its layers: that is the server’s request listener, in front of the app', () => {
    const app = createActivitiesApp(deps());
    const top = (app.router as unknown as { stack: Array<{ name: string }> }).stack;
    expect(top.map((layer) => layer.name)).not.toContain('middleware');
    expect(activitiesLayers(deps()).map((layer) => layer.name)).not.toContain('first');
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
