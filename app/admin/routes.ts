/**
 * Run-time chaos control: `GET/PUT /admin/chaos` behind `Authorization: Bearer $ADMIN_TOKEN`, and a small page
 * at `/admin` to switch scenarios. With no token configured the whole admin API answers 404: disabled, not open.
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { ChaosEngine } from '../chaos/engine';
import { BakeoffError } from '../../config/errors';
import { listScenarios, loadNamedScenario, parseScenario } from '../chaos/scenario';
import { HttpError } from '../http/errors';
import { tokenChecker } from '../http/secrets';
import { validate } from '../http/validation';
import { ADMIN_PAGE } from './page';

const chaosUpdate = z
  .object({
    /** A scenario's name (shipped, or in CHAOS_DIR; never a path), or a whole scenario object. */
    scenario: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    seed: z.number().int().optional(),
    /** Shortcut for the downstream auth failure toggle, 0–1. */
    usersAuthFailureRate: z.number().min(0).max(1).optional(),
  })
  .strict();

export type ChaosUpdate = z.infer<typeof chaosUpdate>;

export interface AdminDeps {
  adminToken: string | undefined;
  chaos: ChaosEngine;
  /** The operator's scenarios directory (`CHAOS_DIR`), whose scenarios may be chosen by name too. */
  chaosDir?: string;
  /** Called after a change is applied here, so the activities service can pass it on to the users service. */
  onChange?: (update: ChaosUpdate) => Promise<Record<string, unknown>>;
}

function requireAdmin(token: string | undefined): RequestHandler {
  const matches = token ? tokenChecker(token) : () => false;
  return (req, res, next) => {
    if (!token) return next(new HttpError(404, 'Admin API disabled: set ADMIN_TOKEN to enable it'));
    const header = req.get('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    if (matches(given)) return next();
    res.set('www-authenticate', 'Bearer realm="bakeoff admin"');
    next(new HttpError(401, 'Missing or invalid admin token'));
  };
}

function describe(chaos: ChaosEngine, chaosDir: string | undefined) {
  const { scenario, seed } = chaos.current();
  return { scenario, seed, available: listScenarios(chaosDir) };
}

export function applyChaosUpdate(chaos: ChaosEngine, update: ChaosUpdate, chaosDir?: string): void {
  const current = chaos.current();
  let scenario = current.scenario;
  if (typeof update.scenario === 'string') scenario = loadNamedScenario(update.scenario, chaosDir);
  else if (update.scenario) scenario = parseScenario(update.scenario, 'from PUT /admin/chaos');
  if (update.usersAuthFailureRate !== undefined) {
    scenario = {
      ...scenario,
      downstream: { ...scenario.downstream, usersAuthFailureRate: update.usersAuthFailureRate },
    };
  }
  chaos.set({ scenario, seed: update.seed ?? current.seed });
}

export function adminRouter(deps: AdminDeps): Router {
  const router = Router();
  router.get('/admin', (_req, res) => {
    if (!deps.adminToken) throw new HttpError(404, 'Admin API disabled: set ADMIN_TOKEN to enable it');
    res.type('html').send(ADMIN_PAGE);
  });
  router.use('/admin/chaos', requireAdmin(deps.adminToken));
  router.get('/admin/chaos', (_req, res) => {
    res.json(describe(deps.chaos, deps.chaosDir));
  });
  router.put('/admin/chaos', async (req, res) => {
    const update = validate(chaosUpdate, req.body, 'chaos update');
    try {
      applyChaosUpdate(deps.chaos, update, deps.chaosDir);
    } catch (error) {
      // Scenario errors are written to be shown (they never quote a file); anything else is a 500.
      if (error instanceof BakeoffError) throw new HttpError(400, error.message);
      throw error;
    }
    const propagated = deps.onChange ? await deps.onChange(update) : {};
    res.json({ ...describe(deps.chaos, deps.chaosDir), propagated });
  });
  return router;
}
