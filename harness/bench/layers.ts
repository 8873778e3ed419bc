/**
 * The layer bench: what each of our own layers costs a light request, in µs, measured in one process.
 *
 * A ladder of apps, each the one before plus one layer, from the bench's `bare` app up to the real activities
 * app with `OBSERVABILITY=none`: every rung answers the bench's light route (a search that matches nothing: one
 * store query, no users-service call) through `inject`, so no socket or kernel time blurs the microseconds.
 * Rungs are interleaved and their order rotated every round, like the process bench's arms; each figure is
 * the median over rounds, and a rung's cost is its median minus the rung below's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express, IRouter } from 'express';
import { createNoneAdapter } from '../../adapters/none';
import { UsersClient } from '../../app/activities/users-client';
import { ChaosEngine } from '../../app/chaos/engine';
import { loadScenario } from '../../app/chaos/scenario';
import { route } from '../../app/http/route';
import { Drain } from '../../app/lifecycle';
import { type AppLayer, activitiesLayers, createActivitiesApp, type LayerName } from '../../app/server';
import { querySpans } from '../../app/service';
import { createStore } from '../../app/store';
import type { Store } from '../../app/store/types';
import { Telemetry } from '../../app/telemetry/facade';
import { createLogger } from '../../app/telemetry/logger';
import { activitiesApp, bareActivityHandlers, bareApp, mountActivityRoutes } from './bare-server';
import { inject } from './inject';
import { benchRunHeaders, LIGHT_ROUTE } from './routes';
import { median } from './summary';

/** Never called on the light route (it matches nothing, so no users-service call); any URL will do. */
const USERS_URL = 'http://127.0.0.1:9';

/** How the API routes are answered on a rung: the bare handlers, them inside our route wrapper, or ours. */
type RouteStage = 'bare' | 'wrapped' | 'real';

/** One rung: the layers of the real app it includes, and how its API routes are answered. */
interface Rung {
  name: string;
  adds: string;
  observedStore: boolean;
  /** Behind the drain counter, the server's request listener in front of the app. */
  counted: boolean;
  layers: ReadonlySet<LayerName>;
  routes: RouteStage;
}

/** What each layer of `app/server.ts` does on the light route, for the table. */
const LAYER_NOTES: Record<LayerName, string> = {
  'vendor request handlers': 'each adapter’s request middleware',
  'request context': 'correlation headers, root annotations, the request log (silent: nobody reads it)',
  'JSON body':
    'the JSON gate for paths outside the API (the API’s routes pass it themselves, only with a body)',
  routes: '',
  health: 'the health-check router',
  admin: 'the admin router',
  'not found': 'the JSON 404',
  'vendor error handlers': 'each adapter’s error middleware',
  'error answer': 'error capture and the JSON error answer',
};

interface Ingredients {
  plainStore: Store;
  observedStore: Store;
  telemetry: Telemetry;
}

/** The real activities app's layers, built afresh (the drain counter has per-app state). */
function realLayers(store: Store, telemetry: Telemetry): { layers: AppLayer[]; chaos: ChaosEngine } {
  const logger = createLogger({ service: 'activities', level: 'info', telemetry, silent: true });
  const chaos = new ChaosEngine(loadScenario('off'), 1);
  const layers = activitiesLayers({
    store,
    telemetry,
    logger,
    chaos,
    adminToken: undefined,
    users: new UsersClient({ baseUrl: USERS_URL, serviceToken: 'bench' }, telemetry),
  });
  return { layers, chaos };
}

/** The bare handlers inside our route wrapper (route name, chaos decision, handler span), no validation. */
function mountWrappedBareRoutes(app: IRouter, store: Store, telemetry: Telemetry, chaos: ChaosEngine): void {
  const handlers = bareActivityHandlers(store, USERS_URL);
  const deps = { telemetry, chaos };
  app.get(
    '/api/activities/home',
    route(deps, 'GET /api/activities/home', 'activities.home', ({ req, res }) => handlers.home(req, res)),
  );
  app.get(
    '/api/activities/search',
    route(deps, 'GET /api/activities/search', 'activities.search', ({ req, res }) =>
      handlers.search(req, res),
    ),
  );
}

/** A rung's app: the real stack in its real order, with only the rung's layers, and its kind of routes. */
function build(rung: Rung, ingredients: Ingredients): RequestListener {
  const app = buildApp(rung, ingredients);
  return rung.counted ? new Drain().counting(app) : app;
}

function buildApp(rung: Rung, { plainStore, observedStore, telemetry }: Ingredients): Express {
  const store = rung.observedStore ? observedStore : plainStore;
  if (rung.layers.size === 0 && rung.routes === 'bare') return activitiesApp(store, USERS_URL);
  const { layers, chaos } = realLayers(store, telemetry);
  const app = bareApp();
  for (const layer of layers) {
    if (layer.name !== 'routes') {
      if (rung.layers.has(layer.name)) for (const handler of layer.handlers) app.use(handler);
    } else if (rung.routes === 'bare') mountActivityRoutes(app, store, USERS_URL);
    else if (rung.routes === 'wrapped') mountWrappedBareRoutes(app, store, telemetry, chaos);
    else layer.routes?.(app);
  }
  return app;
}

/**
 * The ladder: `bare`, then the query observer, then the drain counter, then each non-empty layer of the real
 * app in the order a request meets it, then the API routes in two steps (our route wrapper, then our routers: validation and
 * annotations). The last rung has every layer, so it should equal the real app, built as `bakeoff serve` does.
 */
function ladder(telemetry: Telemetry, store: Store): { rungs: Rung[]; unmounted: string[] } {
  const { layers } = realLayers(store, telemetry);
  const unmounted = layers.filter((l) => l.handlers.length === 0 && !l.routes).map((l) => l.name);
  const rungs: Rung[] = [
    {
      name: 'bare',
      adds: 'the bench’s `bare` app',
      observedStore: false,
      counted: false,
      layers: new Set(),
      routes: 'bare',
    },
    {
      name: '+ query observer',
      adds: 'each statement through the facade’s `db.query` span (no adapter: none)',
      observedStore: true,
      counted: false,
      layers: new Set(),
      routes: 'bare',
    },
    {
      name: '+ drain counter',
      adds: 'the graceful-shutdown in-flight counter (the server’s request listener, in front of the app)',
      observedStore: true,
      counted: true,
      layers: new Set(),
      routes: 'bare',
    },
  ];
  const included = new Set<LayerName>();
  for (const layer of layers) {
    if (layer.name === 'routes' || layer.handlers.length === 0) continue;
    included.add(layer.name);
    rungs.push({
      name: `+ ${layer.name}`,
      adds: LAYER_NOTES[layer.name],
      observedStore: true,
      counted: true,
      layers: new Set(included),
      routes: 'bare',
    });
  }
  rungs.push(
    {
      name: '+ route wrapper',
      adds: 'route name, chaos decision (off), handler span',
      observedStore: true,
      counted: true,
      layers: included,
      routes: 'wrapped',
    },
    {
      name: '+ validation, annotations',
      adds: 'our activities router: query validation (zod only for a bad term), annotate/metadata calls, the JSON answer (app/http/send-json.ts)',
      observedStore: true,
      counted: true,
      layers: included,
      routes: 'real',
    },
  );
  return { rungs, unmounted };
}

/** The real app behind its drain counter, as `bakeoff serve` builds it (app/service.ts). */
function realApp({ observedStore, telemetry }: Ingredients): RequestListener {
  const app = createActivitiesApp({
    store: observedStore,
    telemetry,
    logger: createLogger({ service: 'activities', level: 'info', telemetry, silent: true }),
    chaos: new ChaosEngine(loadScenario('off'), 1),
    adminToken: undefined,
    users: new UsersClient({ baseUrl: USERS_URL, serviceToken: 'bench' }, telemetry),
  });
  return new Drain().counting(app);
}

/**
 * The real activities app (none) of another built checkout, on this tree's store, behind its drain counter:
 * the server's request listener in this tree, an Express layer (`first`, `Drain.middleware`) before it.
 */
function baselineApp(root: string, store: Store): RequestListener {
  if (!existsSync(path.join(root, 'dist', 'app', 'server.js')))
    throw new Error(`baseline ${root} has no built app (dist/app/server.js): run \`npm run build\` there`);
  const load = (file: string) => require(path.join(root, 'dist', file));
  const { Telemetry: BaselineTelemetry } = load('app/telemetry/facade.js');
  const telemetry = new BaselineTelemetry([
    load('adapters/none.js').createNoneAdapter({ serviceName: 'activities', sandboxUrl: '', env: {} }),
  ]);
  const drain = new (load('app/lifecycle.js').Drain)();
  const counting = typeof drain.counting === 'function';
  const app = load('app/server.js').createActivitiesApp({
    store,
    telemetry,
    logger: load('app/telemetry/logger.js').createLogger({
      service: 'activities',
      level: 'info',
      telemetry,
      silent: true,
    }),
    chaos: new (load('app/chaos/engine.js').ChaosEngine)(
      load('app/chaos/scenario.js').loadScenario('off'),
      1,
    ),
    adminToken: undefined,
    first: counting ? undefined : [drain.middleware],
    users: new (load('app/activities/users-client.js').UsersClient)(
      { baseUrl: USERS_URL, serviceToken: 'bench' },
      telemetry,
    ),
  });
  return counting ? drain.counting(app) : app;
}

export interface LayerOptions {
  /** Interleaved rounds (default 40). */
  rounds?: number;
  /** Requests per rung and round (default 1000). */
  requests?: number;
  log?: (line: string) => void;
  /**
   * Another built checkout (a directory with `dist/`), e.g. the commit before a change: its real app runs as
   * one more rung, interleaved with this tree's, so a before/after shares every round's conditions.
   */
  baseline?: string;
}

export interface LayerRow {
  name: string;
  adds: string;
  /** CPU µs per request: the lower quartile over rounds (see `LOW_QUANTILE`). */
  us: number;
  /** The median over rounds, for the spread. */
  medianUs: number;
  /** What this rung adds over the rung below: the median over rounds of the in-round difference (null for `bare`). */
  layerUs: number | null;
  /** What every layer up to this rung adds over `bare`, the same way (null for `bare`). */
  overBareUs: number | null;
}

export interface LayerReport {
  node: string;
  rounds: number;
  requests: number;
  route: string;
  /** CPU µs of the store query alone (`store.search`), for scale. */
  queryUs: number;
  rows: LayerRow[];
  /** Layers of the real app that have nothing to mount with `none` (so no rung). */
  unmounted: string[];
}

/**
 * Each rung's figure is this quantile of its rounds, not the median: a round during which other work shared
 * the core only ever runs slower, so the low quantile is the robust estimate of the rung's own cost; a
 * quartile rather than the minimum, so that the garbage collection a layer's allocations cause still counts.
 */
export const LOW_QUANTILE = 0.25;

/**
 * How much more `a` costs than `b`, from samples taken in the same rounds: the difference within each round
 * (the rungs of a round run back to back, so a busy spell on the machine lifts both), then the median over
 * rounds, which discards the rounds a spell cut through. Null without rounds.
 */
export function pairedDifference(a: readonly number[], b: readonly number[]): number | null {
  return median(a.map((value, round) => value - b[round]));
}

/** The q-quantile (0–1) of `values`, by the nearest-rank method; null for none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * CPU µs (user + system, this process, GC threads included) per call of `work`. CPU time, not wall time: on
 * a shared machine, time spent waiting for a core is not the layers' cost.
 */
async function cpuUsPer(count: number, work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await work();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / count;
}

/** Each request as the process bench sends it: the light route, with its run id header. */
const LIGHT_REQUEST = { url: LIGHT_ROUTE.path, headers: benchRunHeaders('layers', 1) };

const timeRequests = (app: RequestListener, count: number) =>
  cpuUsPer(count, () => inject(app, LIGHT_REQUEST));

const timeQuery = (store: Store, count: number) =>
  cpuUsPer(count, () => store.search('zz-bench-no-match', 20));

/** Every rung must answer the light route as the real app does, or its timing means nothing. */
async function checkAnswers(names: string[], apps: RequestListener[]): Promise<void> {
  for (const [index, app] of apps.entries()) {
    const { status, written } = await inject(app, { ...LIGHT_REQUEST, capture: true });
    if (status !== 200 || !written?.includes('"activities":[]')) {
      throw new Error(`rung "${names[index]}" answered ${status}: ${written?.slice(0, 300)}`);
    }
  }
}

export async function runLayerBench(options: LayerOptions = {}): Promise<LayerReport> {
  const rounds = options.rounds ?? 40;
  const requests = options.requests ?? 1000;
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-layers-'));
  const telemetry = new Telemetry([
    createNoneAdapter({ serviceName: 'activities', sandboxUrl: '', env: {} }),
  ]);
  const plainStore = await createStore({ dataDir, fileName: 'plain.sqlite' });
  const observedStore = await createStore({
    dataDir,
    fileName: 'observed.sqlite',
    observer: querySpans(telemetry),
  });
  try {
    const ingredients = { plainStore, observedStore, telemetry };
    const { rungs: ladderRungs, unmounted } = ladder(telemetry, observedStore);
    const rungs = [
      ...ladderRungs.map((rung) => ({ ...rung, app: build(rung, ingredients) })),
      {
        name: 'real app (none)',
        adds: '`createActivitiesApp`, as `bakeoff serve` builds it: should equal the rung above',
        app: realApp(ingredients),
      },
      ...(options.baseline === undefined
        ? []
        : [
            {
              name: 'baseline app (none)',
              adds: `the real app of ${options.baseline}: its "this layer" is baseline − this tree`,
              app: baselineApp(path.resolve(options.baseline), observedStore),
            },
          ]),
    ];
    const apps = rungs.map((r) => r.app);
    await checkAnswers(
      rungs.map((r) => r.name),
      apps,
    );
    log(`layers: warming up ${apps.length} rungs`);
    for (const app of apps) await timeRequests(app, requests);
    await timeQuery(plainStore, requests);

    const samples = apps.map((): number[] => []);
    const querySamples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round, so no rung always runs right after the same neighbour.
      for (let k = 0; k < apps.length; k++) {
        const index = (k + round) % apps.length;
        samples[index].push(await timeRequests(apps[index], requests));
      }
      querySamples.push(await timeQuery(plainStore, requests));
      if ((round + 1) % 10 === 0 || round + 1 === rounds) log(`layers: round ${round + 1}/${rounds}`);
    }
    const low = samples.map((s) => quantile(s, LOW_QUANTILE) ?? Number.NaN);
    const difference = (i: number, j: number) => pairedDifference(samples[i], samples[j]) ?? Number.NaN;
    return {
      node: process.version,
      rounds,
      requests,
      route: LIGHT_ROUTE.path,
      queryUs: quantile(querySamples, LOW_QUANTILE) ?? Number.NaN,
      unmounted,
      rows: rungs.map((rung, i) => ({
        name: rung.name,
        adds: rung.adds,
        us: low[i],
        medianUs: median(samples[i]) ?? Number.NaN,
        layerUs: i === 0 ? null : difference(i, i - 1),
        overBareUs: i === 0 ? null : difference(i, 0),
      })),
    };
  } finally {
    await Promise.all([plainStore.close(), observedStore.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The report as a Markdown table (what docs/performance.md publishes). */
export function formatLayerTable(report: LayerReport): string {
  const bare = report.rows[0].us;
  const f = (v: number) => v.toFixed(2);
  const signed = (v: number | null, text: (v: number) => string) =>
    v === null ? '—' : `${v >= 0 ? '+' : ''}${text(v)}`;
  const lines = [
    '| rung | adds | CPU µs/request | median | this layer µs | all layers so far |',
    '|---|---|---|---|---|---|',
    ...report.rows.map((r) => {
      const layer = signed(r.layerUs, f);
      const total = signed(r.overBareUs, (v) => `${f(v)} µs (${((v / bare) * 100).toFixed(1)} %)`);
      return `| ${r.name} | ${r.adds} | ${f(r.us)} | ${f(r.medianUs)} | ${layer} | ${total} |`;
    }),
  ];
  const unmounted = report.unmounted.length
    ? ` Not mounted with \`none\` (nothing to do): ${report.unmounted.join(', ')}.`
    : '';
  return (
    `${lines.join('\n')}\n\nRoute ${report.route}; the store query alone: ${f(report.queryUs)} µs.${unmounted} ` +
    `${report.rounds} interleaved rounds × ${report.requests} requests per rung: CPU µs/request is each rung's lower ` +
    `quartile over rounds, layer costs the median over rounds of in-round differences. Node ${report.node}.\n`
  );
}
