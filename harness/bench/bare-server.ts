/**
 * The `bare` arm: the same work as the real services' benchmarked routes (same store, same queries, the same
 * users-service call over fetch, the same JSON answers) on a plain Express 5 app, without the telemetry
 * facade, request context, logger, chaos or route wrapper. `none` vs `bare` is what the facade costs.
 *
 * Run as `node dist/harness/bench/bare-server.js` with ROLE=activities|users and the services' env
 * (PORT, USERS_PORT, USERS_URL, DATA_DIR, SERVICE_TOKEN). Prints `listening on URL` like the real services.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createStore } from '../../app/store';
import type { Activity, Store, UserProfile } from '../../app/store/types';

const FEED_LIMIT = 20;
const TOKEN_HEADER = 'x-service-token';
const serviceToken = process.env.SERVICE_TOKEN ?? 'bakeoff-internal';

/** The activities API's answer shape (snake_case, author's display name), as the real route writes it. */
function present(a: Activity, profiles: Map<string, UserProfile>) {
  return {
    uuid: a.uuid,
    handle: a.handle,
    display_name: profiles.get(a.handle)?.displayName ?? null,
    message: a.message,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    reply_to_activity_uuid: a.replyToUuid,
    replies_count: a.repliesCount,
  };
}

async function profilesOf(usersUrl: string, activities: Activity[]): Promise<Map<string, UserProfile>> {
  const handles = [...new Set(activities.map((a) => a.handle))];
  if (handles.length === 0) return new Map();
  const res = await fetch(`${usersUrl}/api/users?handles=${encodeURIComponent(handles.join(','))}`, {
    headers: { accept: 'application/json', [TOKEN_HEADER]: serviceToken },
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`users service answered ${res.status}`);
  const body = (await res.json()) as { users: UserProfile[] };
  return new Map(body.users.map((u) => [u.handle, u]));
}

/** The bare activities app (exported for the in-process layer bench, which measures it against ours). */
export function activitiesApp(store: Store, usersUrl: string): express.Express {
  return mountActivityRoutes(bareApp(), store, usersUrl);
}

/** The two benchmarked routes as plain handlers (the layer bench also runs them inside our route wrapper). */
export function bareActivityHandlers(store: Store, usersUrl: string) {
  return {
    async home(_req: express.Request, res: express.Response): Promise<void> {
      const activities = await store.homeFeed(FEED_LIMIT);
      const profiles = await profilesOf(usersUrl, activities);
      res.json({ activities: activities.map((a) => present(a, profiles)) });
    },
    async search(req: express.Request, res: express.Response): Promise<void> {
      const term = String(req.query.term ?? '').trim();
      const activities = await store.search(term, FEED_LIMIT);
      const profiles = await profilesOf(usersUrl, activities);
      res.json({ term, activities: activities.map((a) => present(a, profiles)) });
    },
  };
}

/** The benchmarked routes on `app`, with nothing in front (the layer bench puts our layers there). */
export function mountActivityRoutes(app: express.Express, store: Store, usersUrl: string): express.Express {
  const handlers = bareActivityHandlers(store, usersUrl);
  app.get('/api/activities/home', handlers.home);
  app.get('/api/activities/search', handlers.search);
  return app;
}

export function usersApp(store: Store): express.Express {
  const app = bareApp();
  app.get('/api/users', async (req, res) => {
    if (req.get(TOKEN_HEADER) !== serviceToken) {
      res.status(401).json({ error: 'Missing or invalid service token' });
      return;
    }
    const handles = String(req.query.handles ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    res.json({ users: await store.usersByHandles(handles) });
  });
  return app;
}

export function bareApp(): express.Express {
  const app = express();
  // The real services set these too; they are app configuration, not instrumentation.
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}

async function main(): Promise<void> {
  const role = process.env.ROLE === 'users' ? 'users' : 'activities';
  const store = await createStore({ dataDir: process.env.DATA_DIR ?? './data', fileName: `${role}.sqlite` });
  const usersUrl = process.env.USERS_URL ?? `http://127.0.0.1:${process.env.USERS_PORT ?? 4568}`;
  const app = role === 'activities' ? activitiesApp(store, usersUrl) : usersApp(store);
  app.get('/api/health-check', (_req, res) => {
    res.json({ status: 'ok', service: role });
  });
  const port = Number(role === 'activities' ? (process.env.PORT ?? 4567) : (process.env.USERS_PORT ?? 4568));
  const server = app.listen(port, '127.0.0.1', () => {
    const actual = (server.address() as AddressInfo).port;
    process.stderr.write(`[${role}] bare server listening on http://127.0.0.1:${actual}\n`);
  });
  server.keepAliveTimeout = 65_000;
  process.once('SIGTERM', () => {
    server.close(() => void store.close().finally(() => process.exit(0)));
    server.closeIdleConnections();
  });
}

// Run as a process by the bench; imported (for its apps) by the layer bench.
if (require.main === module) {
  void main().catch((error: unknown) => {
    process.stderr.write(`bare server failed: ${(error as Error)?.stack ?? error}\n`);
    process.exit(1);
  });
}
