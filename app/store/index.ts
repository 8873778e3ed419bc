/**
 * Opens the backend's store: PostgreSQL when `databaseUrl` is set, else the embedded SQLite file
 * `<dataDir>/<fileName>`; then migrates, (unless told not to) seeds it, deletes expired activities, and keeps
 * deleting them periodically while it is open.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations';
import { observeDriver } from './observed';
import { createRepository } from './repository';
import { seedIfEmpty } from './seed';
import type { SqlDriver, Store, StoreOptions } from './types';

export type {
  Activity,
  NewActivity,
  QueryObserver,
  SqlDriver,
  Store,
  StoreHealth,
  StoreOptions,
  UserProfile,
} from './types';

/** How often expired activities are deleted while the store is open, unless `expirySweepMs` says otherwise. */
export const DEFAULT_EXPIRY_SWEEP_MS = 60_000;

export async function createStore(options: StoreOptions): Promise<Store> {
  const driver = await openDriver(options);
  // Start-up statements and the expiry sweep run unobserved: spans belong to requests, not to housekeeping.
  const unobserved = createRepository(driver);
  try {
    await migrate(driver);
    if (options.seed !== false) await seedIfEmpty(driver);
    await unobserved.deleteExpired();
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
  const store = createRepository(observeDriver(driver, options.observer));
  const stopSweeping = sweepExpired(unobserved, options.expirySweepMs ?? DEFAULT_EXPIRY_SWEEP_MS);
  return {
    ...store,
    close: () => {
      stopSweeping();
      return store.close();
    },
  };
}

/** Deletes expired activities every `intervalMs` (0: never); returns what stops it. */
function sweepExpired(store: Store, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => undefined;
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    // A failed sweep is retried at the next tick; a failed write already shows on the health check.
    void store
      .deleteExpired()
      .catch(() => undefined)
      .finally(() => {
        sweeping = false;
      });
  }, intervalMs);
  // The sweep alone must not keep a process alive.
  timer.unref();
  return () => clearInterval(timer);
}

/** The bare driver the options select, without migrations or seed. Drivers load lazily (see postgres.ts). */
export async function openDriver(
  options: Pick<StoreOptions, 'databaseUrl' | 'dataDir' | 'fileName'>,
): Promise<SqlDriver> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres');
    return openPostgres({ connectionString: options.databaseUrl });
  }
  await fs.mkdir(options.dataDir, { recursive: true });
  const { openSqlite } = await import('./sqlite');
  return openSqlite({ filePath: path.join(options.dataDir, options.fileName) });
}
