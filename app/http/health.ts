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
    const storeOk = await store.ping().then(
      () => true,
      () => false,
    );
    const deps: Record<string, { ok: boolean }> = {};
    for (const [name, check] of Object.entries(dependencies)) deps[name] = { ok: await check() };
    const ok = storeOk && Object.values(deps).every((d) => d.ok);
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'degraded',
      service,
      store: { ok: storeOk, driver: store.system },
      ...deps,
    });
  });
  return router;
}
