/**
 * The routes of the search views: `GET /api/search/traces` (trace search), `GET /api/search/logs` (log
 * queries) and `GET /api/compare/:run` (the side-by-side request picker and span names). Bad parameters answer 400 naming the parameter (query-params.ts), through the API's error handler.
 */
import express from 'express';
import type { SandboxStore } from '../store';
import { parseSeq, requestIndex, spanNames } from './compare';
import { parseLogQuery, searchLogs } from './log-search';
import { parseTraceQuery, searchTraces } from './search';

export function searchRouter(store: SandboxStore): express.Router {
  const router = express.Router();
  router.get('/api/search/traces', (req, res) => {
    res.json(searchTraces(store, parseTraceQuery(req.query)));
  });
  router.get('/api/search/logs', (req, res) => {
    res.json(searchLogs(store, parseLogQuery(req.query)));
  });
  // The side-by-side view's request picker and console span names: `?seq=N` adds that request's names.
  router.get('/api/compare/:run', (req, res) => {
    const run = req.params.run as string;
    const seq = parseSeq(req.query.seq);
    res.json({
      runId: run,
      requests: requestIndex(store, run),
      names: seq === undefined ? {} : spanNames(store, run, seq),
    });
  });
  return router;
}
