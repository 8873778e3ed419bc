/**
 * The two Express apps: `activities` (the public API) and `users` (profiles). Both are assembled the same way:
 * vendor request handlers first, correlation and logging, the API routes, health and admin, then vendor error
 * handlers, error capture and the JSON error answer. The drain counter sits in front of the app, as the HTTP
 * server's request listener (`Drain.counting`, app/service.ts).
 */
import express, {
  type ErrorRequestHandler,
  type Express,
  type IRouter,
  type RequestHandler,
  type Router,
} from 'express';
import { activitiesRouter } from './activities/routes';
import type { UsersClient } from './activities/users-client';
import { adminRouter, type ChaosUpdate } from './admin/routes';
import { InjectedFault } from './chaos/apply';
import type { ChaosEngine } from './chaos/engine';
import { describeError, jsonErrorHandler, notFound } from './http/errors';
import { healthRouter } from './http/health';
import { jsonBody } from './http/json-body';
import { notificationsRouter } from './notifications/routes';
import type { Notifications } from './notifications-on-demand';
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
  /** `CHAOS_DIR`: the operator's scenarios, which the admin API may switch to by name. */
  chaosDir?: string;
  adminToken: string | undefined;
}

export interface ActivitiesAppDeps extends CommonDeps {
  users: UsersClient;
  /** Sends the notifications message after a create or reply; unset → none sent. */
  notifications?: Notifications;
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
  service: 'activities' | 'users' | 'notifications';
  /** Registers the service's API routes on the app. */
  routes: (app: IRouter) => void;
  healthDependencies?: Record<string, () => Promise<boolean>>;
  onChaosChange?: (update: ChaosUpdate) => Promise<Record<string, unknown>>;
}

/** What a layer is, named so the layer bench (`scripts/bench-layers.js`) can add them one at a time. */
export type LayerName =
  | 'vendor request handlers'
  | 'request context'
  | 'JSON body'
  | 'routes'
  | 'health'
  | 'admin'
  | 'not found'
  | 'vendor error handlers'
  | 'error answer';

/** One step of an app's stack: middleware mounted with `app.use`, or routes registered on the app itself. */
export interface AppLayer {
  name: LayerName;
  handlers: Array<RequestHandler | ErrorRequestHandler | Router>;
  routes?: (app: IRouter) => void;
}

const present = <T>(handler: T | undefined): T[] => (handler === undefined ? [] : [handler]);

/** The stack, in the order a request meets it. */
function layersOf(
  deps: CommonDeps,
  { service, routes, healthDependencies, onChaosChange }: Assembly,
): AppLayer[] {
  const { telemetry, logger } = deps;
  return [
    { name: 'vendor request handlers', handlers: telemetry.requestHandlers() },
    { name: 'request context', handlers: present(requestContext(telemetry, logger)) },
    // The API first, on the app itself: its requests are the hot path, and entering a router (even one that
    // doesn't match) costs more than matching a route. Health and admin paths never collide with the API's.
    // Its routes pass the JSON gate themselves, only when a request has a body (`route`, app/http/route.ts):
    // a layer in front would cost every GET a dispatch for nothing.
    { name: 'routes', handlers: [], routes },
    { name: 'JSON body', handlers: [jsonBody] },
    { name: 'health', handlers: [healthRouter(service, deps.store, healthDependencies)] },
    {
      name: 'admin',
      handlers: [
        adminRouter({
          adminToken: deps.adminToken,
          chaos: deps.chaos,
          chaosDir: deps.chaosDir,
          onChange: onChaosChange,
        }),
      ],
    },
    { name: 'not found', handlers: [notFound] },
    { name: 'vendor error handlers', handlers: telemetry.errorHandlers() },
    { name: 'error answer', handlers: [captureErrors(telemetry, logger), jsonErrorHandler] },
  ];
}

/** An Express app with these layers, in order. */
export function appOf(layers: readonly AppLayer[]): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  for (const layer of layers) {
    for (const handler of layer.handlers) app.use(handler);
    layer.routes?.(app);
  }
  return app;
}

export function activitiesLayers(deps: ActivitiesAppDeps): AppLayer[] {
  return layersOf(deps, {
    service: 'activities',
    routes: (app) => activitiesRouter(deps, app),
    healthDependencies: { users: () => deps.users.reachable() },
    onChaosChange: deps.propagateChaos,
  });
}

export function createActivitiesApp(deps: ActivitiesAppDeps): Express {
  return appOf(activitiesLayers(deps));
}

export function createUsersApp(deps: UsersAppDeps): Express {
  return appOf(layersOf(deps, { service: 'users', routes: (app) => usersRouter(deps, app) }));
}

/** The notifications worker's HTTP side: its health check (is the queue being polled?) and the read API. */
export function createNotificationsApp(deps: CommonDeps & { queueReachable: () => boolean }): Express {
  return appOf(
    layersOf(deps, {
      service: 'notifications',
      routes: (app) => notificationsRouter(deps, app),
      healthDependencies: { queue: () => Promise.resolve(deps.queueReachable()) },
    }),
  );
}
