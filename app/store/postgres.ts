/**
 * PostgreSQL through a `pg` pool. `pg` is imported when the store opens, not when this file loads, so vendor
 * SDKs that instrument it at require time (OpenTelemetry, dd-trace) are already in place.
 */
import type { Pool, PoolClient } from 'pg';
import type { Row, SqlDriver, SqlValue } from './types';

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

class PostgresPoolDriver implements SqlDriver {
  readonly system = 'postgresql' as const;

  constructor(private readonly pool: Pool) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.pool.query<T>(sql, [...params]);
    return result.rows;
  }

  /** Every statement of `fn` runs on one checked-out client between BEGIN and COMMIT (ROLLBACK on error). */
  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(new PostgresTransaction(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable; releasing it with the error makes the pool discard it.
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      client.release(broken);
    }
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

  constructor(private readonly client: PoolClient) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
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

  close(): Promise<void> {
    return Promise.reject(new Error('close the store, not a transaction'));
  }
}
