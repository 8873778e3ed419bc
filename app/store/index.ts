/**
 * Opens the backend's store: PostgreSQL when `databaseUrl` is set, else the embedded SQLite file
 * `<dataDir>/<fileName>`; then migrates and (unless told not to) seeds it.
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
  StoreOptions,
  UserProfile,
} from './types';

export async function createStore(options: StoreOptions): Promise<Store> {
  const driver = await openDriver(options);
  try {
    await migrate(driver);
    if (options.seed !== false) await seedIfEmpty(driver);
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
  // Start-up statements run unobserved: spans belong to requests, not to boot.
  return createRepository(observeDriver(driver, options.observer));
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
