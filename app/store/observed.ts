/** Routes every statement of a driver through a `QueryObserver`, so the telemetry facade can span each query. */
import type { QueryObserver, Row, SqlDriver, SqlValue } from './types';

export function observeDriver(driver: SqlDriver, observer: QueryObserver | undefined): SqlDriver {
  if (!observer) return driver;
  return {
    system: driver.system,
    query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
      return observer(statementText(sql), driver.system, () => driver.query<T>(sql, params));
    },
    // Statements inside a transaction are observed too: wrap the handle the transaction hands out.
    transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
      return driver.transaction((tx) => fn(observeDriver(tx, observer)));
    },
    ping: () => driver.ping(),
    lastWriteFailure: () => driver.lastWriteFailure(),
    close: () => driver.close(),
  };
}

const oneLine = new Map<string, string>();

/** One line, as spans and logs show it; parameter values are never part of the text. */
export function statementText(sql: string): string {
  // The repository's statements are a small fixed set: normalise each once, not on every query.
  let text = oneLine.get(sql);
  if (text === undefined) {
    text = sql.replace(/\s+/g, ' ').trim();
    if (oneLine.size < 1000) oneLine.set(sql, text);
  }
  return text;
}
