/**
 * The routes of the analysis views (issue 14): `GET /api/service-map`, `GET /api/latency`,
 * `GET /api/error-groups` and `GET /api/error-groups/:id`. Bad parameters answer 400 naming the parameter
 * (query-params.ts), through the API's error handler.
 */
import express from 'express';
import { SANDBOX_VENDORS, type SandboxVendor } from '../model';
import type { SandboxStore } from '../store';
import { errorGroupDetail, errorGroups } from './error-groups';
import { latencyBoard, type LatencyQuery } from './latency';
import { intOf, one, QueryError, type RawQuery, vendorOf } from './query-params';
import { vendorsToShow, serviceMap } from './service-map';

/** `key` to group by: an attribute name as any vendor spells it, or `route` / `status`. */
const GROUP_KEY = /^@?[A-Za-z_][\w.\-:/@]{0,127}$/;

export function parseLatencyQuery(query: RawQuery, store: SandboxStore): LatencyQuery {
  const vendor = vendorOf(query);
  const run = one(query, 'run');
  const by = one(query, 'by') ?? 'route';
  if (!GROUP_KEY.test(by))
    throw new QueryError(
      `query parameter "by" must be an attribute name such as app.user_handle, got "${by}"`,
    );
  const buckets = intOf(query, 'buckets', 4, 120) ?? 40;
  const bands = intOf(query, 'bands', 2, 40) ?? 12;
  const cellRaw = one(query, 'cell');
  let cell: LatencyQuery['cell'];
  if (cellRaw !== undefined) {
    const m = /^([a-z][a-z-]*):(\d+):(\d+)$/.exec(cellRaw);
    if (!m || !(SANDBOX_VENDORS as readonly string[]).includes(m[1]) || +m[2] >= bands || +m[3] >= buckets)
      throw new QueryError(
        `query parameter "cell" must be vendor:band:bucket within ${bands} bands and ${buckets} buckets, got "${cellRaw}"`,
      );
    cell = [m[1] as SandboxVendor, +m[2], +m[3]];
  }
  return {
    vendors: vendor ? [vendor] : vendorsToShow(store, run),
    run,
    by,
    group: one(query, 'group'),
    buckets,
    bands,
    cell,
  };
}

export function analysisRouter(store: SandboxStore): express.Router {
  const router = express.Router();
  router.get('/api/service-map', (req, res) => {
    const vendor = vendorOf(req.query);
    const run = one(req.query, 'run');
    const vendors = vendor ? [vendor] : vendorsToShow(store, run);
    res.json({ run: run ?? null, maps: vendors.map((v) => serviceMap(store, v, run)) });
  });
  router.get('/api/latency', (req, res) => {
    res.json(latencyBoard(store, parseLatencyQuery(req.query, store)));
  });
  router.get('/api/error-groups', (req, res) => {
    res.json(errorGroups(store, { vendor: vendorOf(req.query), run: one(req.query, 'run') }));
  });
  router.get('/api/error-groups/:id', (req, res) => {
    const id = req.params.id;
    if (!/^[a-z][a-z-]*-[0-9a-f]{8}$/.test(id))
      throw new QueryError(`error group id must look like sentry-1a2b3c4d, got "${id}"`);
    const detail = errorGroupDetail(store, id, one(req.query, 'run'));
    if (!detail) {
      res.status(404).json({ err: 1, message: `no error group ${id}`, error: `no error group ${id}` });
      return;
    }
    res.json(detail);
  });
  return router;
}
