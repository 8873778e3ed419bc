/**
 * Loading node:sqlite stays quiet: Node 22 and earlier 24 releases emit an ExperimentalWarning for it in every
 * process. Only that warning is dropped, only while the module loads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadNodeSqlite, withoutSqliteWarning } from '../../app/store/node-sqlite';

const SQLITE_WARNING = 'SQLite is an experimental feature and might change at any time';
const seen: string[] = [];
const record = (warning: Error) => seen.push(`${warning.name}: ${warning.message}`);
process.on('warning', record);

afterEach(() => {
  seen.length = 0;
});

/** Warnings are delivered to listeners on a later tick. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe('loading node:sqlite', () => {
  it("drops SQLite's ExperimentalWarning while loading, and nothing else", async () => {
    await withoutSqliteWarning(async () => {
      // What Node emits when the module loads (both call forms of process.emitWarning).
      process.emitWarning(SQLITE_WARNING, 'ExperimentalWarning');
      process.emitWarning(SQLITE_WARNING, { type: 'ExperimentalWarning' });
      process.emitWarning('Some other feature is experimental', 'ExperimentalWarning');
      process.emitWarning('unrelated', 'DeprecationWarning');
    });
    await delivered();
    expect(seen).toEqual([
      'ExperimentalWarning: Some other feature is experimental',
      'DeprecationWarning: unrelated',
    ]);
  });

  it('restores process.emitWarning afterwards, even when loading fails', async () => {
    const original = process.emitWarning;
    await expect(
      withoutSqliteWarning(async () => {
        throw new Error('load failed');
      }),
    ).rejects.toThrow('load failed');
    expect(process.emitWarning).toBe(original);
  });

  it('gives the real module', async () => {
    const { DatabaseSync } = await loadNodeSqlite();
    const db = new DatabaseSync(':memory:');
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
  });
});
