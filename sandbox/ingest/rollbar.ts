import { randomUUID } from 'node:crypto';
import express from 'express';
import type { IngestSink } from '../model';
import { isObject } from './json-fields';
import { rawBodyParser } from './body';
import { drain, reply } from './drop-ack-io';
import { defineIngestModule } from './module';
import { itemToBatch } from './rollbar-item';

/**
 * Rollbar's item API: `POST /api/1/item/` with a JSON `{data: {...}}` body and the project token in
 * `X-Rollbar-Access-Token` (or, in older clients, `access_token` in the body). The token must be present but is
 * never stored. rollbar.js ignores the status but reads the body: an answer with a truthy `err` is an error.
 */

export const ROLLBAR_MAX_BODY = 10 * 1024 * 1024;

/** Rollbar's error answer shape; the status code follows the real API (400 bad payload, 401 no token). */
function sendError(res: express.Response, status: number, message: string): void {
  res.status(status).json({ err: 1, message });
}

export function rollbarRouter(sink: IngestSink): express.Router {
  const router = express.Router();
  // Raw bytes whatever the content-type, so a bad body gets Rollbar's error shape rather than Express's page.
  router.post('/api/1/item/', rawBodyParser(ROLLBAR_MAX_BODY), (req, res) => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      sendError(res, 400, `invalid JSON: ${(err as Error).message}`);
      return;
    }
    if (!isObject(payload)) {
      sendError(res, 400, 'body must be a JSON object with a data field');
      return;
    }
    const bodyToken = payload.access_token;
    delete payload.access_token;
    const token = req.get('x-rollbar-access-token') ?? (typeof bodyToken === 'string' ? bodyToken : '');
    if (token === '') {
      sendError(res, 401, 'missing access token (X-Rollbar-Access-Token header or access_token field)');
      return;
    }
    const data = payload.data;
    if (!isObject(data)) {
      sendError(res, 400, "missing 'data' object");
      return;
    }
    if (!isObject(data.body)) {
      sendError(res, 400, "missing 'data.body' object (trace, trace_chain or message)");
      return;
    }
    const batch = itemToBatch(data);
    const bytes = Number(req.get('content-length')) || raw.length;
    sink.accept(
      'rollbar',
      { route: '/api/1/item/', bytes, contentType: req.get('content-type') ?? null },
      batch,
    );
    const uuid = typeof data.uuid === 'string' && data.uuid !== '' ? data.uuid : randomUUID();
    res.status(200).json({ err: 0, result: { id: null, uuid } });
  });

  // Body-parser failures (too large, bad gzip, aborted) in Rollbar's shape.
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; message?: string };
    sendError(
      res,
      typeof e.status === 'number' && e.status >= 400 ? e.status : 400,
      e.message ?? 'bad request',
    );
  });
  return router;
}

/** Rollbar's item API on the main port (`endpoint: <sandbox>/api/1/item/`). */
export const rollbarIngest = defineIngestModule({
  vendors: ['rollbar'],
  mainPort: {
    routes: (ctx) => rollbarRouter(ctx.sink),
    dropAck: (count) => ({
      claims: (req, path) => req.method === 'POST' && path.startsWith('/api/1/item'),
      answer: (req, res) => {
        void drain(req).then(({ bytes }) => {
          count('rollbar', bytes);
          reply(res, 200, JSON.stringify({ err: 0, result: { id: null, uuid: randomUUID() } }));
        });
      },
    }),
  },
  banner: ({ url }) => [['Rollbar endpoint', `${url}/api/1/item/`]],
});
