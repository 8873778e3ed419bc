/** `GET /api/health-check`: is this service up, and can it reach what it depends on? */
import { Router } from 'express';
import type { Store } from '../store/types';

export function healthRouter(
  service: string,
  store: Store,
  dependencies: Record<string, () => Promise<boolean>> = {},
) {
  const router = Router();
  router.get('/api/health-check', async (_req, res) => {
    // Not ok while the store can't be reached, or while its last write failed (full disk) and none has
    // succeeded since: reads may still work, but new posts are being refused.
    const storeHealth = await store.health();
    const deps: Record<string, { ok: boolean }> = {};
    for (const [name, check] of Object.entries(dependencies)) deps[name] = { ok: await check() };
    const ok = storeHealth.ok && Object.values(deps).every((d) => d.ok);
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      service,
      store: { driver: store.system, ...storeHealth },
      ...deps,
    });
  });
  return router;
}
