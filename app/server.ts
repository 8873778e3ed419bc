/**
 * The two Express apps: `activities` (the public API) and `users` (profiles). Both are assembled the same way:
 * vendor request handlers first, correlation and logging, routes, then vendor error handlers, error capture
 * and the JSON error answer.
 */
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { activitiesRouter } from './activities/routes';
import type { UsersClient } from './activities/users-client';
import { adminRouter, type ChaosUpdate } from './admin/routes';
import { InjectedFault } from './chaos/apply';
import type { ChaosEngine } from './chaos/engine';
import { describeError, jsonErrorHandler, notFound } from './http/errors';
import { healthRouter } from './http/health';
import { jsonBody } from './http/json-body';
import type { Store } from './store/types';
import type { Telemetry } from './telemetry/facade';
import type { Logger } from './telemetry/logger';
import { correlationOf, requestContext } from './telemetry/request-context';
import { usersRouter } from './users/routes';

export interface CommonDeps {
  store: Store;
  telemetry: Telemetry;
  logger: Logger;
  chaos: ChaosEngine;
  adminToken: string | undefined;
  /** Mounted before everything else (the graceful-shutdown request counter). */
  first?: RequestHandler[];
}

export interface ActivitiesAppDeps extends CommonDeps {
  users: UsersClient;
  /** Passes an admin chaos change on to the users service. */
  propagateChaos?: (update: ChaosUpdate) => Promise<Record<string, unknown>>;
}

export interface UsersAppDeps extends CommonDeps {
  serviceToken: string;
}

/** Server errors and injected faults go to every vendor; ordinary 4xx answers are not errors. */
function captureErrors(telemetry: Telemetry, logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const { status } = describeError(error);
    const injected = error instanceof InjectedFault;
    if (status >= 500 || injected) {
      const { runId, seq } = correlationOf(res);
      const attributes: Record<string, string | number> = { 'http.status_code': status };
      if (runId) attributes['bakeoff.run_id'] = runId;
      if (seq !== undefined) attributes['bakeoff.seq'] = seq;
      if (injected) attributes['chaos.fault'] = error.rule;
      const err = error instanceof Error ? error : new Error(String(error));
      telemetry.captureError(err, {
        request: { method: req.method, url: req.originalUrl, route: res.locals.route },
        handle: typeof req.body?.handle === 'string' ? req.body.handle : undefined,
        attributes,
        level: status >= 500 ? 'error' : 'warning',
      });
      logger.error(`${err.name}: ${err.message}`, {
        'error.type': err.name,
        'error.message': err.message,
        ...attributes,
      });
    }
    next(error);
  };
}

interface Assembly {
  service: 'activities' | 'users';
  routers: Router[];
  healthDependencies?: Record<string, () => Promise<boolean>>;
  onChaosChange?: (update: ChaosUpdate) => Promise<Record<string, unknown>>;
}

function assemble(
  deps: CommonDeps,
  { service, routers, healthDependencies, onChaosChange }: Assembly,
): Express {
  const { telemetry, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  for (const handler of deps.first ?? []) app.use(handler);
  for (const handler of telemetry.requestHandlers()) app.use(handler);
  app.use(requestContext(telemetry, logger));
  app.use(jsonBody);
  app.use(healthRouter(service, deps.store, healthDependencies));
  app.use(adminRouter({ adminToken: deps.adminToken, chaos: deps.chaos, onChange: onChaosChange }));
  for (const router of routers) app.use(router);
  app.use(notFound);
  for (const handler of telemetry.errorHandlers()) app.use(handler);
  app.use(captureErrors(telemetry, logger));
  app.use(jsonErrorHandler);
  return app;
}

export function createActivitiesApp(deps: ActivitiesAppDeps): Express {
  return assemble(deps, {
    service: 'activities',
    routers: [activitiesRouter(deps)],
    healthDependencies: { users: () => deps.users.reachable() },
    onChaosChange: deps.propagateChaos,
  });
}

export function createUsersApp(deps: UsersAppDeps): Express {
  return assemble(deps, { service: 'users', routers: [usersRouter(deps)] });
}
