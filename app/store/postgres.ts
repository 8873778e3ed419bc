/**
 * PostgreSQL through a `pg` pool. `pg` is imported when the store opens, not when this file loads, so vendor
 * SDKs that instrument it at require time (OpenTelemetry, dd-trace) are already in place.
 */
import type { Pool, PoolClient } from 'pg';
import type { Row, SqlDriver, SqlValue } from './types';
import { isWriteStatement, WriteHealth } from './write-health';

export interface PostgresOptions {
  /** A libpq connection string, e.g. `postgresql://user:password@host:5432/db`. */
  connectionString: string;
  /** Pool size. Default 10, `pg`'s own default. */
  maxConnections?: number;
}

export async function openPostgres(options: PostgresOptions): Promise<SqlDriver> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that would crash the process.
  // The pool drops the client, and the next query reports the problem to its caller.
  pool.on('error', () => undefined);
  return new PostgresPoolDriver(pool);
}

/**
 * SQLSTATE classes that mean the server can't store anything right now, not that the statement was wrong:
 * 08 connection, 53 insufficient resources (53100 disk full), 57 operator intervention (shutdown),
 * 58 system / I/O error, XX internal error. https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const STORAGE_FAILURE_CLASSES = new Set(['08', '53', '57', '58', 'XX']);

function describeStorageFailure(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  // pg reports a refused or dropped connection as a Node system error (ECONNREFUSED, ECONNRESET, …) or, for a
  // connection lost mid-query, as a plain Error; neither carries a SQLSTATE.
  if ((typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /^Connection terminated/.test(message))
    return `database unreachable: ${message}`;
  if (typeof code === 'string' && STORAGE_FAILURE_CLASSES.has(code.slice(0, 2)))
    return `${message} (SQLSTATE ${code})`;
  return null;
}

class PostgresPoolDriver implements SqlDriver {
  readonly system = 'postgresql' as const;
  private readonly writes = new WriteHealth(describeStorageFailure);

  constructor(private readonly pool: Pool) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const write = isWriteStatement(sql);
    try {
      const result = await this.pool.query<T>(sql, [...params]);
      if (write) this.writes.succeeded();
      return result.rows;
    } catch (error) {
      if (write) this.writes.failed(error);
      throw error;
    }
  }

  /** Every statement of `fn` runs on one checked-out client between BEGIN and COMMIT (ROLLBACK on error). */
  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      this.writes.failed(error);
      throw error;
    });
    const tx = new PostgresTransaction(client, this.writes);
    let broken: Error | undefined;
    // A connection that dies while checked out emits 'error' on the client as well as failing the query in
    // flight; unhandled, that event would crash the process. The failed query already reports it.
    const ignore = () => undefined;
    client.on('error', ignore);
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      if (tx.wrote) this.writes.succeeded();
      return result;
    } catch (error) {
      if (tx.wrote) this.writes.failed(error);
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable; releasing it with the error makes the pool discard it.
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(broken);
    }
  }

  lastWriteFailure(): string | null {
    return this.writes.current();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PostgresTransaction implements SqlDriver {
  readonly system = 'postgresql' as const;
  /** Whether a write statement ran: only then does the transaction's outcome say anything about writing. */
  wrote = false;

  constructor(
    private readonly client: PoolClient,
    private readonly writes: WriteHealth,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (isWriteStatement(sql)) this.wrote = true;
    const result = await this.client.query<T>(sql, [...params]);
    return result.rows;
  }

  /** A nested transaction joins the outer one: it commits or rolls back with it. */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  lastWriteFailure(): string | null {
    return this.writes.current();
  }

  close(): Promise<void> {
    return Promise.reject(new Error('close the store, not a transaction'));
  }
}
