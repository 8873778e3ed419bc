/** `GET /api/notifications/:handle`, served by the notifications worker: what the worker stored for a handle. */
import { type IRouter, Router } from 'express';
import { type RouteDeps, route } from '../http/route';
import { HANDLE, validate } from '../http/validation';
import type { Notification, Store } from '../store/types';

const LIMIT = 50;

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
      deps.telemetry.annotate('app.user_handle', handle);
      const notifications = await deps.store.notificationsFor(handle, LIMIT);
      deps.telemetry.annotate('app.result_length', notifications.length);
      res.json({ handle, notifications: notifications.map(present) });
    }),
  );
  return router;
}
