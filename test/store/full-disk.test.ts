/**
 * A full disk, through the real activities API: posts are refused (and never stored, not even later), the feeds
 * keep answering, and the health check says why until a write succeeds again. The disk fills for real as far as
 * SQLite can tell: `PRAGMA max_page_count` makes it answer SQLITE_FULL exactly as it does on ENOSPC.
 */
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsersClient } from '../../app/activities/users-client';
import { ChaosEngine } from '../../app/chaos/engine';
import { loadScenario } from '../../app/chaos/scenario';
import { resolveServiceToken } from '../../app/service-token';
import { createActivitiesApp } from '../../app/server';
import { type RunningService, startService } from '../../app/service';
import { openDriver } from '../../app/store/index';
import { migrate } from '../../app/store/migrations';
import { createRepository } from '../../app/store/repository';
import { seedIfEmpty } from '../../app/store/seed';
import type { SqlDriver } from '../../app/store/types';
import { Telemetry } from '../../app/telemetry/facade';
import { createLogger } from '../../app/telemetry/logger';
import { loadConfig } from '../../config/env';
import { getJson, postJson } from '../helpers/services';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** The real activities app on a store whose driver the test holds, so it can fill and free the disk. */
async function activitiesOnOwnDriver(): Promise<{ url: string; driver: SqlDriver; target: StoreTarget }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-full-disk-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0' });
  const users: RunningService = await startService('users', config, [], { quiet: true });
  cleanup.push(() => users.close());

  const target = { dataDir, fileName: 'activities.sqlite' };
  const driver = await openDriver(target);
  await migrate(driver);
  await seedIfEmpty(driver);
  const telemetry = new Telemetry([]);
  const app = createActivitiesApp({
    store: createRepository(driver),
    telemetry,
    logger: createLogger({ service: 'activities', level: 'error', telemetry, silent: true }),
    chaos: new ChaosEngine(loadScenario('off'), 1),
    adminToken: undefined,
    users: new UsersClient(
      { baseUrl: users.url, serviceToken: resolveServiceToken(config).value },
      telemetry,
    ),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  cleanup.push(() => driver.close().catch(() => undefined));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, driver, target };
}

type StoreTarget = { dataDir: string; fileName: string };

describe('a full disk under the activities API', () => {
  it('refuses posts without ever storing them, keeps serving feeds, and reports it on the health check', async () => {
    const { url, driver, target } = await activitiesOnOwnDriver();
    const post = (message: string) => postJson(`${url}/api/activities`, { handle: 'ada', message });
    expect((await post('before the disk filled')).status).toBe(201);

    const [{ page_count: pages }] = await driver.query<{ page_count: number }>('PRAGMA page_count');
    await driver.query(`PRAGMA max_page_count = ${pages}`);
    const acknowledged: string[] = [];
    let refused: string | undefined;
    for (let index = 0; index < 5000 && !refused; index++) {
      const message = `filler ${index} ${'x'.repeat(260)}`;
      const { status } = await post(message);
      if (status === 201) acknowledged.push(message);
      else {
        expect(status).toBe(500);
        refused = message;
      }
    }
    expect(refused).toBeDefined();
    // A client retrying the refused post: refused every time.
    for (let attempt = 0; attempt < 3; attempt++) expect((await post(refused!)).status).toBe(500);

    const home = await getJson(`${url}/api/activities/home`);
    expect(home.status).toBe(200);
    expect(home.body.activities.map((a: { message: string }) => a.message)).toContain(
      acknowledged.at(-1) ?? 'before the disk filled',
    );
    const unhealthy = await getJson(`${url}/api/health-check`);
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body.store).toMatchObject({ ok: false, driver: 'sqlite' });
    expect(unhealthy.body.store.reason).toMatch(/full/);

    // Space comes back: still reported until a write proves it, then healthy again.
    await driver.query('PRAGMA max_page_count = 1000000');
    expect((await getJson(`${url}/api/health-check`)).status).toBe(503);
    expect((await post('after space was freed')).status).toBe(201);
    const healthy = await getJson(`${url}/api/health-check`);
    expect(healthy.status).toBe(200);
    expect(healthy.body.store).toEqual({ ok: true, driver: 'sqlite' });

    // On disk: exactly the acknowledged posts, none of the refused one.
    await driver.close();
    const reopened = await openDriver(target);
    cleanup.push(() => reopened.close());
    expect(await reopened.query('SELECT uuid FROM activities WHERE message = $1', [refused!])).toEqual([]);
    // Seeded posts have fixed `5eed…` uuids; every other row is a post this test had acknowledged.
    const rows = await reopened.query<{ message: string }>(
      "SELECT message FROM activities WHERE uuid NOT LIKE '5eed%'",
    );
    expect(rows.map((row) => row.message).sort()).toEqual(
      ['before the disk filled', 'after space was freed', ...acknowledged].sort(),
    );
  });
});
