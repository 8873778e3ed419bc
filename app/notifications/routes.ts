/**
 * `GET /api/notifications/:handle[?limit=N]`, served by the notifications worker: what the worker stored for a
 * handle, newest first.
 */
import { type IRouter, Router } from 'express';
import { type RouteDeps, route } from '../http/route';
import { HttpError } from '../http/errors';
import { HANDLE, validate } from '../http/validation';
import type { Notification, Store } from '../store/types';
import { sendJson } from '../http/send-json';

const DEFAULT_LIMIT = 50;
/** Compare asks for more than the default, to check every notification its run caused. */
const MAX_LIMIT = 1000;

function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIMIT))
    throw new HttpError(400, `Invalid limit: must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

export interface NotificationsDeps extends RouteDeps {
  store: Store;
}

/** snake_case like the rest of the API. */
function present(n: Notification) {
  return {
    handle: n.handle,
    activity_uuid: n.activityUuid,
    kind: n.kind,
    actor: n.actor,
    created_at: n.createdAt,
  };
}

export function notificationsRouter(deps: NotificationsDeps, router: IRouter = Router()): IRouter {
  router.get(
    '/api/notifications/:handle',
    route(deps, 'GET /api/notifications/:handle', 'notifications.list', async ({ req, res }) => {
      const handle = validate(HANDLE, req.params.handle, 'handle');
      const limit = limitOf(req.query.limit);
      deps.telemetry.annotate('app.user_handle', handle);
      const notifications = await deps.store.notificationsFor(handle, limit);
      deps.telemetry.annotate('app.result_length', notifications.length);
      sendJson(res, 200, { handle, notifications: notifications.map(present) });
    }),
  );
  return router;
}
