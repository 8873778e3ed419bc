/**
 * Starts one service role (activities or users) in this process. Loaded only after the adapters have started,
 * so every vendor SDK has patched `http`, `express` and `pg` before they are required here.
 */
import type { AddressInfo } from 'node:net';
import { withDeadline } from '../adapters/deadline';
import type { Adapter } from '../adapters/types';
import type { Config } from '../config/env';
import { UsersClient } from './activities/users-client';
import type { ChaosUpdate } from './admin/routes';
import { ChaosEngine } from './chaos/engine';
import { loadScenario } from './chaos/scenario';
import { Drain, ShutdownDeadline } from './lifecycle';
import { createActivitiesApp, createUsersApp } from './server';
import { resolveServiceToken } from './service-token';
import { createStore } from './store';
import type { QueryObserver } from './store/types';
import { Telemetry } from './telemetry/facade';
import { createLogger } from './telemetry/logger';

export type Role = 'activities' | 'users';

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

function chaosPropagator(config: Config) {
  return async (update: ChaosUpdate): Promise<Record<string, unknown>> => {
    try {
      const res = await fetch(`${config.usersUrl}/admin/chaos`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${config.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(3000),
      });
      await res.body?.cancel();
      return { users: res.ok ? 'applied' : `users service answered ${res.status}` };
    } catch (error) {
      return { users: `not reached: ${(error as Error).message}` };
    }
  };
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
  });
  const drain = new Drain();
  const common = {
    store,
    telemetry,
    logger,
    chaos,
    chaosDir: config.chaosDir,
    adminToken: config.adminToken,
    first: [drain.middleware],
  };
  const app =
    role === 'activities'
      ? createActivitiesApp({
          ...common,
          users: new UsersClient({ baseUrl: config.usersUrl, serviceToken }, telemetry),
          propagateChaos: config.adminToken ? chaosPropagator(config) : undefined,
        })
      : createUsersApp({ ...common, serviceToken });

  const port = role === 'activities' ? config.port : config.usersPort;
  const server = app.listen(port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  const actual = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const deadline = new ShutdownDeadline(config.shutdownTimeoutMs);
      await drain.stop(server, deadline.drainMs);
      await telemetry.shutdown(deadline.remainingMs());
      await withDeadline(store.close(), deadline.remainingMs());
    })();
    return closing;
  };
  return { role, url: `http://${config.host}:${actual}`, port: actual, close };
}
