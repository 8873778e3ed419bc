/**
 * Schema migrations, applied in order and recorded in `schema_migrations`, so running them again is a no-op.
 * The same SQL runs on SQLite and PostgreSQL: TEXT ids, timestamps as ISO-8601 UTC text from
 * `Date#toISOString()` (fixed width, so text order is time order), INTEGER counts.
 */
import type { SqlDriver } from './types';

export interface Migration {
  /** Applied in ascending order; never renumber or edit a released migration, add a new one. */
  version: number;
  name: string;
  /** One statement per entry: drivers prepare a single statement at a time. */
  statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users and activities',
    statements: [
      `CREATE TABLE users (
        handle TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        bio TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE activities (
        uuid TEXT PRIMARY KEY,
        handle TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        reply_to_uuid TEXT REFERENCES activities (uuid),
        replies_count INTEGER NOT NULL DEFAULT 0 CHECK (replies_count >= 0)
      )`,
      // Home feed: top-level activities, newest first.
      'CREATE INDEX activities_feed_idx ON activities (created_at) WHERE reply_to_uuid IS NULL',
      'CREATE INDEX activities_handle_idx ON activities (handle, created_at)',
      'CREATE INDEX activities_reply_to_idx ON activities (reply_to_uuid)',
      // Search is a substring match (LIKE '%term%'), which no portable index can seek; this one lets it walk
      // activities newest first and stop after LIMIT matches instead of sorting the whole table.
      'CREATE INDEX activities_created_idx ON activities (created_at)',
    ],
  },
  {
    version: 2,
    name: 'expiry index',
    // The expiry sweep finds what is due without reading the posts that never expire.
    statements: [
      'CREATE INDEX activities_expires_idx ON activities (expires_at) WHERE expires_at IS NOT NULL',
    ],
  },
  {
    version: 3,
    name: 'notifications',
    // Written by the notifications worker. One row per (recipient, activity): a message delivered twice (SQS is
    // at-least-once) notifies once.
    statements: [
      `CREATE TABLE notifications (
        handle TEXT NOT NULL,
        activity_uuid TEXT NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (handle, activity_uuid)
      )`,
      'CREATE INDEX notifications_handle_idx ON notifications (handle, created_at)',
    ],
  },
];

/** Advisory-lock key for schema work, so two services starting against one PostgreSQL don't race. */
const SCHEMA_LOCK_KEY = 4_252_511;

/**
 * Serializes schema work and seeding across processes sharing a PostgreSQL database (both service roles may
 * start at once). The lock is released when the transaction ends. SQLite needs none: one process per file, and
 * the driver already serializes transactions.
 */
export async function lockSchema(tx: SqlDriver): Promise<void> {
  if (tx.system === 'postgresql') await tx.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
}

/** Applies the migrations not yet recorded, all in one transaction; returns the versions applied now. */
export async function migrate(driver: SqlDriver, list: readonly Migration[] = migrations): Promise<number[]> {
  return driver.transaction(async (tx) => {
    await lockSchema(tx);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`,
    );
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of [...list].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
