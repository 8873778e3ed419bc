/**
 * Starts one service role (activities or users) in this process. Loaded only after the adapters have started,
 * so every vendor SDK has patched `http`, `express` and `pg` before they are required here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDeadline } from '../adapters/deadline';
import type { Adapter } from '../adapters/types';
import type { Config } from '../config/env';
import { UsersClient } from './activities/users-client';
import type { ChaosUpdate } from './admin/routes';
import { ChaosEngine } from './chaos/engine';
import { loadScenario } from './chaos/scenario';
import { Drain, ShutdownDeadline } from './lifecycle';
import { OnDemandNotifications } from './notifications-on-demand';
import { type CommonDeps, createActivitiesApp, createNotificationsApp, createUsersApp } from './server';
import { resolveServiceToken } from './service-token';
import { createStore } from './store';
import type { QueryObserver } from './store/types';
import { Telemetry } from './telemetry/facade';
import { createLogger } from './telemetry/logger';

export type Role = 'activities' | 'users' | 'notifications';

export interface RunningService {
  role: Role;
  url: string;
  port: number;
  /**
   * Graceful: stop accepting, drain, flush every adapter, close the store, all within `SHUTDOWN_TIMEOUT_MS`
   * together. Never throws.
   */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Silence the JSON request log on stdout (adapters still receive every entry). */
  quiet?: boolean;
}

/**
 * A span per statement, named and attributed the way OpenTelemetry's database conventions name them; none at
 * all when no adapter traces, so the store runs unwrapped (as fast as without a facade).
 */
export function querySpans(telemetry: Telemetry): QueryObserver | undefined {
  if (!telemetry.tracing) return undefined;
  return (statement, system, run) =>
    telemetry.span(
      'db.query',
      { kind: 'client', attributes: { 'db.system': system, 'db.statement': statement } },
      run,
    );
}

/** Passes an admin chaos change on to the users service and the notifications worker, in parallel. */
function chaosPropagator(config: Config) {
  const pass = async (name: string, baseUrl: string, update: ChaosUpdate): Promise<string> => {
    try {
      const res = await fetch(`${baseUrl}/admin/chaos`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${config.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(3000),
      });
      await res.body?.cancel();
      return res.ok ? 'applied' : `${name} service answered ${res.status}`;
    } catch (error) {
      return `not reached: ${(error as Error).message}`;
    }
  };
  return async (update: ChaosUpdate): Promise<Record<string, unknown>> => {
    const [users, notifications] = await Promise.all([
      pass('users', config.usersUrl, update),
      pass('notifications', config.notificationsUrl, update),
    ]);
    return { users, notifications };
  };
}

/** The notifications worker and its SQS client (the worker's own module, and the AWS SDK, loaded here). */
async function startWorker(common: CommonDeps, config: Readonly<Config>) {
  const { createSqsClient } = await import('./notifications/queue');
  const { NotificationWorker } = await import('./notifications/worker');
  const client = createSqsClient(config.queue, config.sandboxUrl);
  return { client, worker: new NotificationWorker({ ...common, client, queue: config.queue }) };
}

export async function startService(
  role: Role,
  config: Readonly<Config>,
  adapters: readonly Adapter[],
  options: ServiceOptions = {},
): Promise<RunningService> {
  const telemetry = new Telemetry(adapters);
  const logger = createLogger({ service: role, level: config.logLevel, telemetry, silent: options.quiet });
  const chaos = new ChaosEngine(loadScenario(config.chaos, config.chaosDir), config.chaosSeed);
  const serviceToken = resolveServiceToken(config).value;
  const store = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    fileName: `${role}.sqlite`,
    observer: querySpans(telemetry),
    // The worker's embedded file holds notifications only: no demo users or posts.
    seed: role !== 'notifications',
  });
  const drain = new Drain();
  const common = {
    store,
    telemetry,
    logger,
    chaos,
    chaosDir: config.chaosDir,
    adminToken: config.adminToken,
  };
  // The AWS SDK is loaded only where it is used: by the worker at once, by the activities service on its
  // first post (app/notifications-on-demand.ts), never by the users service.
  const queueWorker = role === 'notifications' ? await startWorker(common, config) : undefined;
  const worker = queueWorker?.worker;
  const notifications =
    role === 'activities' && config.queue.enabled
      ? new OnDemandNotifications({ ...common, queue: config.queue }, config.sandboxUrl)
      : undefined;
  const app =
    role === 'activities'
      ? createActivitiesApp({
          ...common,
          users: new UsersClient({ baseUrl: config.usersUrl, serviceToken }, telemetry),
          notifications,
          propagateChaos: config.adminToken ? chaosPropagator(config) : undefined,
        })
      : worker
        ? createNotificationsApp({ ...common, queueReachable: () => worker.stats.polling })
        : createUsersApp({ ...common, serviceToken });

  const port = { activities: config.port, users: config.usersPort, notifications: config.notificationsPort }[
    role
  ];
  const server = http.createServer(drain.counting(app)).listen(port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  const actual = (server.address() as AddressInfo).port;
  worker?.start();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const deadline = new ShutdownDeadline(config.shutdownTimeoutMs);
      // The worker's message in hand is its in-flight request: finished (and deleted) within the drain share.
      await Promise.all([
        drain.stop(server, deadline.drainMs),
        worker && withDeadline(worker.stop(), deadline.drainMs),
      ]);
      await telemetry.shutdown(deadline.remainingMs());
      await withDeadline(store.close(), deadline.remainingMs());
      queueWorker?.client.destroy();
      await notifications?.destroy();
    })();
    return closing;
  };
  return { role, url: `http://${config.host}:${actual}`, port: actual, close };
}
