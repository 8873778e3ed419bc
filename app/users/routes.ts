/**
 * The users service: profiles by handle, one at a time or in a batch. Only callers presenting the shared
 * service token are served, which is what the injected downstream auth failure breaks.
 */
import { type IRouter, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { SERVICE_TOKEN_HEADER } from '../activities/users-client';
import { HttpError } from '../http/errors';
import { jsonBody } from '../http/json-body';
import { type RouteDeps, route } from '../http/route';
import { tokenChecker } from '../http/secrets';
import { HANDLE, validate } from '../http/validation';
import type { Store } from '../store/types';
import { sendJson } from '../http/send-json';

const MAX_BATCH = 100;
const HANDLE_LIST = z
  .string({ error: 'handles is required (comma-separated)' })
  .transform((s) => [...new Set(s.split(',').map((h) => h.trim()))].filter(Boolean))
  .pipe(
    z
      .array(HANDLE)
      .min(1, 'handles must name at least one handle')
      .max(MAX_BATCH, `at most ${MAX_BATCH} handles`),
  );

export interface UsersDeps extends RouteDeps {
  store: Store;
  serviceToken: string;
}

function requireServiceToken(token: string): RequestHandler {
  const matches = tokenChecker(token);
  return (req, _res, next) => {
    if (matches(req.get(SERVICE_TOKEN_HEADER))) return next();
    next(new HttpError(401, 'Missing or invalid service token'));
  };
}

/** Registers the users API on `router` (default: a new Router; the app passes itself, see activitiesRouter). */
export function usersRouter(deps: UsersDeps, router: IRouter = Router()): IRouter {
  const { store, telemetry } = deps;
  // The JSON gate before the token check, as for every other path (a route would only pass it after).
  router.use('/api/users', jsonBody, requireServiceToken(deps.serviceToken));

  router.get(
    '/api/users',
    route(deps, 'GET /api/users', 'users.batch', async ({ req, res }) => {
      const handles = validate(HANDLE_LIST, req.query.handles, 'handles');
      telemetry.annotate('app.handles_count', handles.length);
      const users = await store.usersByHandles(handles);
      telemetry.annotate('app.result_length', users.length);
      sendJson(res, 200, { users });
    }),
  );

  router.get(
    '/api/users/:handle',
    route(deps, 'GET /api/users/:handle', 'users.get', async ({ req, res }) => {
      const handle = validate(HANDLE, req.params.handle, 'handle');
      telemetry.annotate('app.user_handle', handle);
      const user = await store.userByHandle(handle);
      if (!user) throw new HttpError(404, `No user with handle "${handle}"`);
      sendJson(res, 200, user);
    }),
  );

  return router;
}
