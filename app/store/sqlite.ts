/**
 * Embedded store: one SQLite file through Node's built-in `node:sqlite` (nothing to compile or install), in WAL
 * mode, so a commit appends its pages to the write-ahead log instead of rewriting the database.
 *
 * - `synchronous = FULL`: every commit fsyncs the WAL before the statement returns, so a write the API has
 *   acknowledged survives kill -9 *and* power loss. `NORMAL` would fsync only at checkpoints: safe against a
 *   crashed process, but a power cut could undo the last acknowledged posts. One fsync per commit is the price
 *   (measured in docs/performance.md, "The embedded store").
 * - `locking_mode = EXCLUSIVE`, taken at open with `BEGIN EXCLUSIVE`: one process per file. A second process on
 *   the same DATA_DIR is refused with a clear error instead of both acknowledging writes that only one keeps.
 *   The OS drops the lock when the holder dies, even by kill -9. In exclusive mode SQLite also keeps the WAL
 *   index in memory (no `-shm` file).
 */
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { BakeoffError } from '../../config/errors';
import { loadNodeSqlite } from './node-sqlite';
import type { Row, SqlDriver, SqlValue } from './types';
import { isWriteStatement, WriteHealth } from './write-health';

export interface SqliteOptions {
  /** The database file, created if missing; its folder must exist. */
  filePath: string;
}

/** How long opening waits for a lock held by another process, e.g. a predecessor still shutting down. */
const BUSY_TIMEOUT_MS = 1000;
/** Prepared statements kept per connection: the repository's statements are a small fixed set. */
const STATEMENT_CACHE_SIZE = 200;

/** SQLite primary result codes that mean the store itself failed, not the statement. */
const STORAGE_FAILURES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  26: 'SQLITE_NOTADB',
};
const SQLITE_BUSY = 5;

interface SqliteError extends Error {
  /** node:sqlite's extended result code. */
  errcode?: number;
  errstr?: string;
}

export async function openSqlite(options: SqliteOptions): Promise<SqlDriver> {
  const { DatabaseSync } = await loadNodeSqlite();
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(options.filePath);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before the switch to WAL, so the WAL index lives in memory rather than in a shared-memory file.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const { journal_mode: mode } = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string };
    if (mode !== 'wal') throw new Error(`SQLite could not use WAL for ${options.filePath} (mode ${mode})`);
    db.exec('PRAGMA synchronous = FULL');
    // PostgreSQL always enforces foreign keys; SQLite only when asked, per connection.
    db.exec('PRAGMA foreign_keys = ON');
    // Take the exclusive lock now, not at the first write, so a second process fails at start, not mid-request.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db?.close();
    if (primaryCode(error) === SQLITE_BUSY) throw dataDirInUse(options.filePath);
    throw error;
  }
  return new SqliteDriver(db);
}

function dataDirInUse(filePath: string): BakeoffError {
  const dir = path.dirname(filePath);
  return new BakeoffError(
    'BAKEOFF_ERR_DATA_DIR_IN_USE',
    `the data directory ${dir} is in use: another bakeoff process has ${path.basename(filePath)} open. ` +
      'Stop that process, or give this one its own DATA_DIR (--data-dir).',
  );
}

class SqliteDriver implements SqlDriver {
  readonly system = 'sqlite' as const;
  /** Tail of the queue: one connection, so a transaction must not see another request's statements. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly statements = new Map<string, StatementSync>();
  private readonly writes = new WriteHealth(describeStorageFailure);

  constructor(private readonly db: DatabaseSync) {}

  query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.exclusive(async () => {
      const write = isWriteStatement(sql);
      try {
        const rows = this.execute<T>(sql, params);
        if (write) this.writes.succeeded();
        return rows;
      } catch (error) {
        if (write) this.writes.failed(error);
        throw error;
      }
    });
  }

  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const state = { wrote: false };
      this.db.exec('BEGIN');
      let result: T;
      try {
        result = await fn(this.transactionHandle(state));
        this.db.exec('COMMIT');
      } catch (error) {
        // SQLite may already have rolled back (some errors end the transaction); then this is a no-op.
        this.rollback();
        if (state.wrote) this.writes.failed(error);
        throw error;
      }
      if (state.wrote) this.writes.succeeded();
      return result;
    });
  }

  ping(): Promise<void> {
    return this.exclusive(async () => {
      this.execute('SELECT 1', []);
    });
  }

  lastWriteFailure(): string | null {
    return this.writes.current();
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      // Closing checkpoints the WAL into the database file and removes it.
      this.db.close();
      this.closed = true;
    });
  }

  /** Runs `fn` after everything queued before it, and before anything queued after it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.closed) throw new Error('the embedded store is closed');
      return fn();
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * What `fn` receives inside a transaction: it runs statements directly, because the transaction already holds
   * the queue. Calling the outer driver from inside `fn` would wait for itself, so don't.
   */
  private transactionHandle(state: { wrote: boolean }): SqlDriver {
    const handle: SqlDriver = {
      system: this.system,
      query: async <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) => {
        if (isWriteStatement(sql)) state.wrote = true;
        return this.execute<T>(sql, params);
      },
      // A nested transaction joins the outer one: it commits or rolls back with it.
      transaction: (fn) => fn(handle),
      ping: async () => undefined,
      lastWriteFailure: () => this.writes.current(),
      close: () => Promise.reject(new Error('close the store, not a transaction')),
    };
    return handle;
  }

  private execute<T extends Row>(sql: string, params: readonly SqlValue[]): T[] {
    return this.prepare(sql).all(...params.map(toSqliteValue)) as T[];
  }

  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(toSqliteParameters(sql));
      if (this.statements.size < STATEMENT_CACHE_SIZE) this.statements.set(sql, statement);
    }
    return statement;
  }

  private rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // No transaction left to roll back.
    }
  }
}

function primaryCode(error: unknown): number | undefined {
  const code = (error as SqliteError | null)?.errcode;
  // Extended result codes keep the primary code in their low byte (SQLITE_IOERR_FSYNC = 10 | 4 << 8).
  return typeof code === 'number' ? code & 0xff : undefined;
}

function describeStorageFailure(error: unknown): string | null {
  const code = primaryCode(error);
  if (code === undefined || !STORAGE_FAILURES[code]) return null;
  return `${(error as SqliteError).errstr ?? (error as Error).message} (${STORAGE_FAILURES[code]})`;
}

/**
 * `$1` → `?1`: SQLite's numbered form binds by index, like PostgreSQL, even when a number repeats or comes out of
 * order (a bare `$1` is a *named* parameter in SQLite, numbered by first appearance). Quoted text is left alone.
 */
export function toSqliteParameters(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g, (match, index: string | undefined) =>
    index === undefined ? match : `?${index}`,
  );
}

function toSqliteValue(value: SqlValue): string | number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
