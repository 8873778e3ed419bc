/**
 * Embedded store: SQLite compiled to WebAssembly (sql.js). The database lives in memory and is written whole to
 * one file after every committed write. We chose sql.js because better-sqlite3 needs a native compile (~2 min
 * here) and PGlite costs ~320 MB RSS per process; a demo database is small, so a full export per write is cheap.
 */
import { promises as fs } from 'node:fs';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import type { Row, SqlDriver, SqlValue } from './types';

export interface SqliteOptions {
  /** The database file. Loaded at open if it exists, created on the first write otherwise; its folder must exist. */
  filePath: string;
}

let sqlJs: Promise<SqlJsStatic> | undefined;

/** The WASM module is compiled once per process, however many databases are opened. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs();
  return sqlJs;
}

export async function openSqlite(options: SqliteOptions): Promise<SqlDriver> {
  const SQL = await loadSqlJs();
  const bytes = await readIfExists(options.filePath);
  const db = bytes ? new SQL.Database(bytes) : new SQL.Database();
  // PostgreSQL always enforces foreign keys; SQLite only when asked, per connection.
  db.run('PRAGMA foreign_keys = ON');
  return new SqliteDriver(db, options.filePath);
}

class SqliteDriver implements SqlDriver {
  readonly system = 'sqlite' as const;
  /** Tail of the queue: sql.js has one connection, so a transaction must not see another request's statements. */
  private tail: Promise<unknown> = Promise.resolve();
  /** True when memory holds changes the file doesn't. */
  private dirty = false;
  private closed = false;
  private tempFileCounter = 0;

  constructor(
    private readonly db: Database,
    private readonly filePath: string,
  ) {
    // Fires for each row an INSERT/UPDATE/DELETE really changes, so no-op writes don't rewrite the file.
    db.updateHook(() => {
      this.dirty = true;
    });
  }

  query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.exclusive(async () => {
      const rows = this.execute<T>(sql, params);
      await this.persistIfDirty();
      return rows;
    });
  }

  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.run('BEGIN');
      let result: T;
      try {
        result = await fn(this.transactionHandle());
        this.db.run('COMMIT');
      } catch (error) {
        this.rollback();
        throw error;
      }
      await this.persistIfDirty();
      return result;
    });
  }

  ping(): Promise<void> {
    return this.exclusive(async () => {
      this.execute('SELECT 1', []);
    });
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.persistIfDirty();
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
  private transactionHandle(): SqlDriver {
    const handle: SqlDriver = {
      system: this.system,
      query: async <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) =>
        this.execute<T>(sql, params),
      // A nested transaction joins the outer one: it commits or rolls back with it.
      transaction: (fn) => fn(handle),
      ping: async () => undefined,
      close: () => Promise.reject(new Error('close the store, not a transaction')),
    };
    return handle;
  }

  private execute<T extends Row>(sql: string, params: readonly SqlValue[]): T[] {
    const statement = this.db.prepare(toSqliteParameters(sql));
    try {
      statement.bind(params.map(toSqliteValue));
      const rows: T[] = [];
      while (statement.step()) rows.push(statement.getAsObject() as T);
      // Schema changes don't fire the update hook.
      if (/^\s*(create|drop|alter)\b/i.test(sql)) this.dirty = true;
      return rows;
    } finally {
      statement.free();
    }
  }

  private rollback(): void {
    try {
      this.db.run('ROLLBACK');
    } catch {
      // SQLite already rolled back on its own (some errors end the transaction); nothing is left to undo.
    }
    // Everything committed before BEGIN was already written, so memory and file agree again.
    this.dirty = false;
  }

  private async persistIfDirty(): Promise<void> {
    if (!this.dirty) return;
    await writeFileAtomic(this.filePath, this.db.export(), ++this.tempFileCounter);
    this.dirty = false;
  }
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

async function readIfExists(filePath: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Write a temp file, flush it to disk, then rename over the target: rename is atomic, so a crash leaves either
 * the old file or the new one, never half of one.
 */
async function writeFileAtomic(filePath: string, data: Uint8Array, sequence: number): Promise<void> {
  const tempPath = `${filePath}.${process.pid}.${sequence}.tmp`;
  try {
    const file = await fs.open(tempPath, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(tempPath, filePath);
  } catch (error) {
    await fs.rm(tempPath, { force: true });
    throw error;
  }
}
