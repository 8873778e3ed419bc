/**
 * One conformance suite, run against both drivers: the embedded SQLite file and a real PostgreSQL.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, openDriver } from '../../app/store/index';
import { migrate } from '../../app/store/migrations';
import { createRepository } from '../../app/store/repository';
import { seedActivityUuid, seedUsers } from '../../app/store/seed';
import type { Row, SqlDriver, SqlValue, Store, StoreOptions } from '../../app/store/types';
import { postgresUrl, stopPostgres } from '../helpers/postgres';

const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bakeoff-store-'));
  tempDirs.push(dir);
  return dir;
}

interface Engine {
  name: 'sqlite' | 'postgresql';
  /** Options for a fresh, empty store. */
  freshTarget(): Promise<StoreOptions>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    freshTarget: async () => ({
      dataDir: path.join(await tempDir(), 'nested', 'dir'),
      fileName: 'test.sqlite',
    }),
  },
  {
    name: 'postgresql',
    freshTarget: async () => ({
      databaseUrl: await postgresUrl(),
      dataDir: await tempDir(),
      fileName: 'unused',
    }),
  },
];

afterAll(async () => {
  await stopPostgres();
  await Promise.all(tempDirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe.each(engines)('store on $name', (engine) => {
  const open: { close(): Promise<void> }[] = [];

  async function track<T extends { close(): Promise<void> }>(opened: Promise<T>): Promise<T> {
    const value = await opened;
    open.push(value);
    return value;
  }

  async function freshStore(
    extra: Partial<StoreOptions> = {},
  ): Promise<{ store: Store; target: StoreOptions }> {
    const target = { ...(await engine.freshTarget()), ...extra };
    return { store: await track(createStore(target)), target };
  }

  /** A migrated, unseeded driver with a repository on it, so a test controls every row and the clock. */
  async function bareRepository(now?: () => Date): Promise<{ driver: SqlDriver; store: Store }> {
    const driver = await track(openDriver(await engine.freshTarget()));
    await migrate(driver);
    return { driver, store: createRepository(driver, { now }) };
  }

  beforeAll(async () => {
    // Start the PostgreSQL cluster once, outside any test's timeout.
    if (engine.name === 'postgresql') await postgresUrl();
  });

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close().catch(() => undefined);
  });

  it('reports its engine', async () => {
    const { store } = await freshStore();
    expect(store.system).toBe(engine.name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('runs migrations once: a second run applies nothing and keeps the data', async () => {
    const target = await engine.freshTarget();
    const driver = await track(openDriver(target));
    expect(await migrate(driver)).toEqual([1]);
    await driver.query(
      "INSERT INTO users (handle, display_name, bio, created_at) VALUES ('x', 'X', '', '2024')",
    );
    expect(await migrate(driver)).toEqual([]);
    const versions = await driver.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(versions.map((row) => Number(row.version))).toEqual([1]);
    expect(await driver.query('SELECT handle FROM users')).toEqual([{ handle: 'x' }]);
  });

  it('opening an existing store twice migrates and seeds only once', async () => {
    const { store, target } = await freshStore();
    await store.close();
    const again = await track(createStore(target));
    expect(await again.usersByHandles(seedUsers.map((user) => user.handle))).toHaveLength(seedUsers.length);
    const feed = await again.homeFeed(100);
    expect(new Set(feed.map((activity) => activity.uuid)).size).toBe(feed.length);
  });

  it('seeds demo users and activities, with reply counts that match the replies', async () => {
    const { store } = await freshStore();
    expect(await store.userByHandle('ada')).toEqual({
      handle: 'ada',
      displayName: 'Ada',
      bio: seedUsers[0].bio,
    });
    const feed = await store.homeFeed(50);
    expect(feed.length).toBeGreaterThanOrEqual(6);
    expect(feed.every((activity) => activity.replyToUuid === null)).toBe(true);
    const sorted = [...feed].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    expect(feed).toEqual(sorted);
    const first = await store.getActivity(seedActivityUuid(1));
    expect(first?.repliesCount).toBe(3);
    const replies = await store.activitiesByHandle('grace', 50);
    expect(replies.some((activity) => activity.replyToUuid === seedActivityUuid(1))).toBe(true);
  });

  it('seeds nothing when told not to', async () => {
    const { store } = await freshStore({ seed: false });
    expect(await store.homeFeed(10)).toEqual([]);
    expect(await store.userByHandle('ada')).toBeNull();
  });

  it('reads back what it creates', async () => {
    const { store } = await freshStore({ seed: false });
    const created = await store.createActivity({ handle: 'ada', message: 'hello, store', ttlSeconds: null });
    expect(created).toMatchObject({
      handle: 'ada',
      message: 'hello, store',
      expiresAt: null,
      repliesCount: 0,
    });
    expect(created.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    expect(await store.getActivity(created.uuid)).toEqual(created);
    expect(await store.homeFeed(10)).toEqual([created]);
    expect(await store.activitiesByHandle('ada', 10)).toEqual([created]);
    expect(await store.activitiesByHandle('grace', 10)).toEqual([]);
    expect(await store.getActivity('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('newest first, and limit is honoured', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.000Z');
    const tick = () => {
      clock += 1000;
      return new Date(clock);
    };
    const { store } = await bareRepository(tick);
    for (const message of ['one', 'two', 'three'])
      await store.createActivity({ handle: 'ken', message, ttlSeconds: null });
    expect((await store.homeFeed(2)).map((activity) => activity.message)).toEqual(['three', 'two']);
    expect((await store.activitiesByHandle('ken', 10)).map((activity) => activity.message)).toEqual([
      'three',
      'two',
      'one',
    ]);
  });

  it('a reply bumps its parent count atomically, even when many arrive at once', async () => {
    const { store } = await freshStore({ seed: false });
    const parent = await store.createActivity({ handle: 'ada', message: 'parent', ttlSeconds: null });
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        store.reply(parent.uuid, { handle: 'grace', message: `reply ${index}`, ttlSeconds: null }),
      ),
    );
    expect(replies.every((reply) => reply?.replyToUuid === parent.uuid)).toBe(true);
    expect((await store.getActivity(parent.uuid))?.repliesCount).toBe(12);
    // Replies are not top-level: the home feed shows only the parent.
    expect((await store.homeFeed(50)).map((activity) => activity.uuid)).toEqual([parent.uuid]);
    expect(await store.activitiesByHandle('grace', 50)).toHaveLength(12);

    const viaCreate = await store.createActivity({
      handle: 'ken',
      message: 'also a reply',
      ttlSeconds: null,
      replyToUuid: parent.uuid,
    });
    expect(viaCreate.replyToUuid).toBe(parent.uuid);
    expect((await store.getActivity(parent.uuid))?.repliesCount).toBe(13);
  });

  it('a reply to an unknown activity is null and writes nothing', async () => {
    const { store } = await freshStore({ seed: false });
    const missing = '00000000-0000-4000-8000-00000000dead';
    expect(
      await store.reply(missing, { handle: 'ada', message: 'into the void', ttlSeconds: null }),
    ).toBeNull();
    expect(await store.activitiesByHandle('ada', 10)).toEqual([]);
    await expect(
      store.createActivity({ handle: 'ada', message: 'x', ttlSeconds: null, replyToUuid: missing }),
    ).rejects.toThrow(/no such activity/);
  });

  it('a failing transaction leaves nothing half-written', async () => {
    const { driver, store } = await bareRepository();
    const insert = "INSERT INTO users (handle, display_name, bio, created_at) VALUES ($1, 'N', '', '2024')";
    await expect(
      driver.transaction(async (tx) => {
        await tx.query(insert, ['first']);
        await tx.query(insert, ['first']); // duplicate primary key: the engine rejects it
      }),
    ).rejects.toThrow();
    await expect(
      driver.transaction(async (tx) => {
        await tx.query(insert, ['second']);
        throw new Error('application failure after a write');
      }),
    ).rejects.toThrow('application failure');
    expect(await store.usersByHandles(['first', 'second'])).toEqual([]);
    // The driver is still usable afterwards.
    await driver.query(insert, ['third']);
    expect(await store.userByHandle('third')).toMatchObject({ handle: 'third' });
  });

  it('a reply whose count update fails rolls back the reply itself', async () => {
    const { driver, store } = await bareRepository();
    const parent = await store.createActivity({ handle: 'ada', message: 'parent', ttlSeconds: null });
    const failingUpdates = failOn(driver, /^UPDATE activities/);
    const faulty = createRepository(failingUpdates);
    await expect(
      faulty.reply(parent.uuid, { handle: 'grace', message: 'lost', ttlSeconds: null }),
    ).rejects.toThrow('injected failure');
    expect(await store.activitiesByHandle('grace', 10)).toEqual([]);
    expect((await store.getActivity(parent.uuid))?.repliesCount).toBe(0);
  });

  it('search is case-insensitive and treats SQL metacharacters as data', async () => {
    const { driver, store } = await bareRepository();
    const messages = [
      'Save 100% today',
      'save 1000 today',
      'snake_case name',
      'snakeXcase name',
      "it's quoted",
      'its plain',
      'a; b',
      'x -- y',
      'x - y',
      'back\\slash',
      "Robert'); DROP TABLE activities; --",
    ];
    for (const message of messages) await store.createActivity({ handle: 'ada', message, ttlSeconds: null });
    const found = async (term: string) =>
      (await store.search(term, 50)).map((activity) => activity.message).sort();

    expect(await found('SAVE')).toEqual(['Save 100% today', 'save 1000 today']);
    expect(await found('100%')).toEqual(['Save 100% today']);
    expect(await found('%')).toEqual(['Save 100% today']);
    expect(await found('_case')).toEqual(['snake_case name']);
    expect(await found("'s")).toEqual(["it's quoted"]);
    expect(await found(';')).toEqual(["Robert'); DROP TABLE activities; --", 'a; b'].sort());
    expect(await found('--')).toEqual(["Robert'); DROP TABLE activities; --", 'x -- y'].sort());
    expect(await found('\\')).toEqual(['back\\slash']);
    expect(await found("'); DROP TABLE users; --")).toEqual([]);
    expect(await found('nothing like this')).toEqual([]);
    // The injection-shaped data did nothing to the schema.
    expect(await driver.query('SELECT COUNT(*) AS n FROM activities')).toEqual([
      { n: engine.name === 'postgresql' ? String(messages.length) : messages.length },
    ]);
  });

  it('looks up many users in one query, ignoring unknown and repeated handles', async () => {
    const { store } = await freshStore();
    const users = await store.usersByHandles(['grace', 'nobody', 'ada', 'ada']);
    expect(users.map((user) => user.handle)).toEqual(['ada', 'grace']);
    expect(await store.usersByHandles([])).toEqual([]);
    expect(await store.userByHandle('nobody')).toBeNull();
  });

  it('hides expired activities from feeds, search and lookups', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.000Z');
    const { store } = await bareRepository(() => new Date(clock));
    const lasting = await store.createActivity({ handle: 'ada', message: 'lasting note', ttlSeconds: null });
    const brief = await store.createActivity({ handle: 'ada', message: 'brief note', ttlSeconds: 60 });
    expect(brief.expiresAt).toBe('2030-01-01T00:01:00.000Z');
    expect((await store.search('note', 10)).map((activity) => activity.uuid).sort()).toEqual(
      [lasting.uuid, brief.uuid].sort(),
    );

    clock += 61_000;
    expect((await store.homeFeed(10)).map((activity) => activity.uuid)).toEqual([lasting.uuid]);
    expect((await store.activitiesByHandle('ada', 10)).map((activity) => activity.uuid)).toEqual([
      lasting.uuid,
    ]);
    expect((await store.search('note', 10)).map((activity) => activity.uuid)).toEqual([lasting.uuid]);
    expect(await store.getActivity(brief.uuid)).toBeNull();
    expect(
      await store.reply(brief.uuid, { handle: 'ken', message: 'too late', ttlSeconds: null }),
    ).toBeNull();
  });

  it('binds numbered parameters by number, in any order and repeated', async () => {
    const { driver } = await bareRepository();
    const rows = await driver.query(
      "SELECT CAST($2 AS TEXT) AS b, CAST($1 AS TEXT) AS a, CAST($2 AS TEXT) AS again, '$1' AS literal",
      ['first', 'second'],
    );
    expect(rows).toEqual([{ b: 'second', a: 'first', again: 'second', literal: '$1' }]);
  });

  it('hands every statement to the observer, with its text and engine', async () => {
    const seen: { statement: string; system: string }[] = [];
    const { store } = await freshStore({
      observer: (statement, system, run) => {
        seen.push({ statement, system });
        return run();
      },
    });
    await store.homeFeed(5);
    const feed = await store.homeFeed(1);
    await store.reply(feed[0].uuid, { handle: 'ken', message: 'observed', ttlSeconds: null });
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen.every((query) => query.system === engine.name)).toBe(true);
    expect(seen[0].statement).toMatch(/^SELECT .* FROM activities WHERE reply_to_uuid IS NULL/);
    expect(seen.map((query) => query.statement.split(' ')[0])).toEqual(
      expect.arrayContaining(['INSERT', 'UPDATE']),
    );
  });

  if (engine.name === 'postgresql') {
    it('two services starting at once on one database migrate and seed it once', async () => {
      const target = await engine.freshTarget();
      const [first, second] = await Promise.all([track(createStore(target)), track(createStore(target))]);
      expect(await first.usersByHandles(seedUsers.map((user) => user.handle))).toHaveLength(seedUsers.length);
      expect(await second.getActivity(seedActivityUuid(1))).toMatchObject({ repliesCount: 3 });
    });
  }

  if (engine.name === 'sqlite') {
    it('persists every committed write at once, atomically, and only when something changed', async () => {
      const { store, target } = await freshStore();
      const file = path.join(target.dataDir, target.fileName);
      const created = await store.createActivity({ handle: 'ada', message: 'durable', ttlSeconds: null });

      // Without closing: a second reader of the file already sees the write.
      const reader = await track(openDriver(target));
      expect(await reader.query('SELECT message FROM activities WHERE uuid = $1', [created.uuid])).toEqual([
        { message: 'durable' },
      ]);

      // Reads and a transaction that writes nothing don't rewrite the file (a rewrite is a rename: new inode).
      const before = await fs.stat(file);
      await store.homeFeed(10);
      await store.search('durable', 10);
      const missing = '00000000-0000-4000-8000-000000000000';
      expect(await store.reply(missing, { handle: 'x', message: 'y', ttlSeconds: null })).toBeNull();
      const after = await fs.stat(file);
      expect(after.ino).toBe(before.ino);
      expect(after.mtimeMs).toBe(before.mtimeMs);

      expect((await fs.readdir(target.dataDir)).sort()).toEqual([target.fileName]);
    });

    it('survives close and reopen', async () => {
      const { store, target } = await freshStore();
      const created = await store.createActivity({
        handle: 'linus',
        message: 'still here',
        ttlSeconds: 3600,
      });
      const replied = await store.reply(created.uuid, { handle: 'ada', message: 'me too', ttlSeconds: null });
      await store.close();

      const reopened = await track(createStore(target));
      expect(await reopened.getActivity(created.uuid)).toEqual({ ...created, repliesCount: 1 });
      expect(await reopened.getActivity(replied!.uuid)).toEqual(replied);
      expect(await reopened.usersByHandles(seedUsers.map((user) => user.handle))).toHaveLength(
        seedUsers.length,
      );
      await expect(store.homeFeed(1)).rejects.toThrow(/closed/);
    });
  }
});

/** A driver whose statements matching `pattern` fail, inside transactions too: a fault at a chosen point. */
function failOn(driver: SqlDriver, pattern: RegExp): SqlDriver {
  const wrap = (inner: SqlDriver): SqlDriver => ({
    system: inner.system,
    query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
      if (pattern.test(sql.trim())) return Promise.reject(new Error('injected failure'));
      return inner.query<T>(sql, params);
    },
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    ping: () => inner.ping(),
    close: () => inner.close(),
  });
  return wrap(driver);
}
