/**
 * One conformance suite, run against both drivers: the embedded SQLite file and a real PostgreSQL.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { deleteExpired } from '../../app/store/expiry';
import { createStore, openDriver } from '../../app/store/index';
import { migrate } from '../../app/store/migrations';
import { createRepository } from '../../app/store/repository';
import { seedActivityUuid, seedUsers } from '../../app/store/seed';
import type { Row, SqlDriver, SqlValue, Store, StoreOptions } from '../../app/store/types';
import { postgresUrl, stopPostgres } from '../helpers/postgres';
import { requirePackages } from '../helpers/system-packages';

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

// PostgreSQL needs Debian's postgresql (or TEST_DATABASE_URL); without it that engine's suite is skipped and
// named at the end of the run (a failure with CI=true). SQLite is embedded.
for (const engine of engines) {
  const needs = engine.name === 'postgresql' ? (['postgresql'] as const) : [];
  requirePackages(needs)(`store on ${engine.name}`, () => engineSuite(engine));
}

/** The conformance suite, for one engine. */
function engineSuite(engine: Engine) {
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
    expect(await migrate(driver)).toEqual([1, 2, 3]);
    await driver.query(
      "INSERT INTO users (handle, display_name, bio, created_at) VALUES ('x', 'X', '', '2024')",
    );
    expect(await migrate(driver)).toEqual([]);
    const versions = await driver.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(versions.map((row) => Number(row.version)).sort()).toEqual([1, 2, 3]);
    expect(await driver.query('SELECT handle FROM users')).toEqual([{ handle: 'x' }]);
  });

  it('stores notifications once per (handle, activity), newest first: a redelivered message adds nothing', async () => {
    const { store } = await freshStore();
    const first = { activityUuid: '00000000-0000-4000-8000-000000000001', actor: 'ada' };
    const second = { activityUuid: '00000000-0000-4000-8000-000000000002', actor: 'linus' };
    expect(
      await store.addNotifications([
        { handle: 'grace', kind: 'mention', ...first },
        { handle: 'linus', kind: 'mention', ...first },
      ]),
    ).toBe(2);
    // The same message again (SQS delivers at least once): no duplicate.
    expect(await store.addNotifications([{ handle: 'grace', kind: 'mention', ...first }])).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later created_at
    expect(await store.addNotifications([{ handle: 'grace', kind: 'reply', ...second }])).toBe(1);
    const list = await store.notificationsFor('grace', 10);
    expect(list.map((n) => [n.activityUuid, n.kind, n.actor])).toEqual([
      [second.activityUuid, 'reply', 'linus'],
      [first.activityUuid, 'mention', 'ada'],
    ]);
    expect(await store.notificationsFor('grace', 1)).toHaveLength(1);
    expect(await store.notificationsFor('nobody', 10)).toEqual([]);
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

  it('deletes expired posts with the replies under them, and uncounts expired replies of live posts', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.000Z');
    const { driver, store } = await bareRepository(() => new Date(clock));
    const post = (message: string, ttlSeconds: number | null, replyToUuid: string | null = null) =>
      store.createActivity({ handle: 'ada', message, ttlSeconds, replyToUuid });
    const lasting = await post('lasting', null);
    await post('brief reply to lasting', 60, lasting.uuid);
    const lastingReply = await post('lasting reply to lasting', null, lasting.uuid);
    const brief = await post('brief', 60);
    const orphan = await post('lasting reply to brief', null, brief.uuid);
    await post('reply to that reply', null, orphan.uuid);
    const later = await post('expires later', 3600);
    expect(await store.deleteExpired()).toBe(0);

    clock += 61_000;
    expect(await store.deleteExpired()).toBe(4);
    const rows = await driver.query<{ uuid: string }>('SELECT uuid FROM activities ORDER BY uuid');
    expect(rows.map((row) => row.uuid)).toEqual([lasting.uuid, lastingReply.uuid, later.uuid].sort());
    expect((await store.getActivity(lasting.uuid))?.repliesCount).toBe(1);
    expect(await store.deleteExpired()).toBe(0);
  });

  it('deletes expired posts in batches until none are left', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.000Z');
    const { driver, store } = await bareRepository(() => new Date(clock));
    for (let index = 0; index < 7; index++)
      await store.createActivity({ handle: 'ken', message: `short ${index}`, ttlSeconds: 1 + index });
    clock += 60_000;
    expect(await deleteExpired(driver, new Date(clock).toISOString(), 3)).toBe(7);
    expect(await driver.query('SELECT uuid FROM activities')).toEqual([]);
  });

  it('deletes expired posts when it opens, and every expirySweepMs while open', async () => {
    const target = await engine.freshTarget();
    const driver = await track(openDriver(target));
    await migrate(driver);
    await driver.query(
      `INSERT INTO activities (uuid, handle, message, created_at, expires_at, reply_to_uuid, replies_count)
       VALUES ('expired-at-open', 'ada', 'gone', '2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z', NULL, 0)`,
    );
    await driver.close();

    const store = await track(createStore({ ...target, seed: false, expirySweepMs: 20 }));
    const reader = engine.name === 'postgresql' ? await track(openDriver(target)) : undefined;
    if (reader)
      expect(await reader.query("SELECT uuid FROM activities WHERE uuid = 'expired-at-open'")).toEqual([]);

    // Periodically: an already-expired reply under a live post comes off the post's count once swept.
    const parent = await store.createActivity({ handle: 'ada', message: 'parent', ttlSeconds: null });
    await store.createActivity({
      handle: 'ken',
      message: 'gone at once',
      ttlSeconds: 0,
      replyToUuid: parent.uuid,
    });
    expect((await store.getActivity(parent.uuid))?.repliesCount).toBe(1);
    await vi.waitFor(async () => expect((await store.getActivity(parent.uuid))?.repliesCount).toBe(0), {
      timeout: 10_000,
      interval: 20,
    });
    await store.close();
    const after = await track(openDriver(target));
    expect(await after.query('SELECT message FROM activities')).toEqual([{ message: 'parent' }]);
  });

  it('a constraint violation or an application error is not a store failure: health stays ok', async () => {
    const { driver, store } = await bareRepository();
    const insert =
      "INSERT INTO users (handle, display_name, bio, created_at) VALUES ('dup', 'D', '', '2024')";
    await driver.query(insert);
    await expect(driver.query(insert)).rejects.toThrow();
    await expect(
      store.createActivity({ handle: 'ada', message: 'x', ttlSeconds: null, replyToUuid: 'no-such-parent' }),
    ).rejects.toThrow();
    await expect(
      driver.transaction(async (tx) => {
        await tx.query(
          "INSERT INTO users (handle, display_name, bio, created_at) VALUES ('t', 'T', '', '2024')",
        );
        throw new Error('application failure after a write');
      }),
    ).rejects.toThrow('application failure');
    expect(driver.lastWriteFailure()).toBeNull();
    expect(await store.health()).toEqual({ ok: true });
  });

  if (engine.name === 'postgresql') {
    it('two services starting at once on one database migrate and seed it once', async () => {
      const target = await engine.freshTarget();
      const [first, second] = await Promise.all([track(createStore(target)), track(createStore(target))]);
      expect(await first.usersByHandles(seedUsers.map((user) => user.handle))).toHaveLength(seedUsers.length);
      expect(await second.getActivity(seedActivityUuid(1))).toMatchObject({ repliesCount: 3 });
    });

    it('two services sweeping one database at once take each expired reply off its parent once', async () => {
      let clock = Date.parse('2030-01-01T00:00:00.000Z');
      const now = () => new Date(clock);
      const target = await engine.freshTarget();
      const first = await track(openDriver(target));
      await migrate(first);
      const second = await track(openDriver(target));
      const [a, b] = [createRepository(first, { now }), createRepository(second, { now })];
      // Both pools connected, so neither sweep starts late for a connection handshake.
      await Promise.all([a.ping(), b.ping()]);
      for (let round = 0; round < 5; round++) {
        const parents = [];
        for (let index = 0; index < 5; index++) {
          const parent = await a.createActivity({
            handle: 'ada',
            message: `parent ${index}`,
            ttlSeconds: null,
          });
          for (const ttlSeconds of [null, 60, 60])
            await a.createActivity({ handle: 'ken', message: 'reply', ttlSeconds, replyToUuid: parent.uuid });
          parents.push(parent);
        }
        clock += 61_000;
        const deleted = await Promise.all([a.deleteExpired(), b.deleteExpired()]);
        expect(deleted[0] + deleted[1]).toBe(10);
        for (const parent of parents) expect((await a.getActivity(parent.uuid))?.repliesCount).toBe(1);
      }
    });

    it('a write the server fails shows on health until a write succeeds again', async () => {
      const { driver, store } = await bareRepository();
      // A real server-side failure: the backend is terminated mid-transaction (SQLSTATE 57P01).
      await expect(
        driver.transaction(async (tx) => {
          await tx.query(
            "INSERT INTO users (handle, display_name, bio, created_at) VALUES ('t', 'T', '', '2024')",
          );
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      ).rejects.toThrow();
      expect(await store.health()).toEqual({
        ok: false,
        reason: expect.stringMatching(/^the last write failed: .*\(SQLSTATE 57P01\)/),
      });
      expect(await store.userByHandle('t')).toBeNull();
      await store.createActivity({ handle: 'ada', message: 'stored', ttlSeconds: null });
      expect(await store.health()).toEqual({ ok: true });
    });

    it('an unreachable database is reported, with the write that could not reach it', async () => {
      // Port 1: nothing listens, so every connection is refused.
      const driver = await track(
        openDriver({ databaseUrl: 'postgresql://bakeoff@127.0.0.1:1/none', dataDir: '', fileName: '' }),
      );
      const store = createRepository(driver);
      expect(await store.health()).toEqual({
        ok: false,
        reason: expect.stringMatching(/^not reachable: .*ECONNREFUSED/),
      });
      await expect(store.createActivity({ handle: 'ada', message: 'x', ttlSeconds: null })).rejects.toThrow();
      expect(driver.lastWriteFailure()).toMatch(/^database unreachable: .*ECONNREFUSED/);
    });
  }

  if (engine.name === 'sqlite') {
    it('writes incrementally: a commit appends to the WAL instead of rewriting the database file', async () => {
      const { store, target } = await freshStore();
      const file = path.join(target.dataDir, target.fileName);
      const before = await fs.stat(file);
      for (let index = 0; index < 20; index++)
        await store.createActivity({ handle: 'ada', message: `incremental ${index}`, ttlSeconds: null });
      // A whole-file rewrite is a rename over the file: a new inode every time.
      expect((await fs.stat(file)).ino).toBe(before.ino);
      expect((await fs.stat(`${file}-wal`)).size).toBeGreaterThan(0);
    });

    it('commits durably: WAL with a full fsync per commit, foreign keys enforced', async () => {
      const { driver } = await bareRepository();
      expect(await driver.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      // 2 = FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss too.
      expect(await driver.query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
      expect(await driver.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    });

    it('refuses a second opener of the same data directory with a coded error that names it', async () => {
      const { store, target } = await freshStore();
      const second = createStore(target);
      await expect(second).rejects.toMatchObject({
        code: 'BAKEOFF_ERR_DATA_DIR_IN_USE',
        message: expect.stringContaining(target.dataDir),
      });
      await expect(second).rejects.toThrow(/another bakeoff process/);
      // The first keeps working, and once it closes the directory is free again.
      await store.createActivity({ handle: 'ada', message: 'still mine', ttlSeconds: null });
      await store.close();
      const next = await track(createStore(target));
      expect((await next.search('still mine', 10)).map((activity) => activity.message)).toEqual([
        'still mine',
      ]);
    });

    it('a write that hits a full disk is rolled back; reads go on; health reports it until a write succeeds', async () => {
      const target = await engine.freshTarget();
      const driver = await track(openDriver(target));
      await migrate(driver);
      const store = createRepository(driver);
      const kept = await store.createActivity({
        handle: 'ada',
        message: 'before the disk filled',
        ttlSeconds: null,
      });
      const parent = kept.uuid;

      // A real SQLITE_FULL: the database may not grow past the pages it has now.
      const [{ page_count: pages }] = await driver.query<{ page_count: number }>('PRAGMA page_count');
      await driver.query(`PRAGMA max_page_count = ${pages}`);
      const refused = await fillUntilFull(store);
      expect(refused.error.message).toMatch(/full/);
      await expect(
        store.reply(parent, { handle: 'ken', message: 'x'.repeat(280), ttlSeconds: null }),
      ).rejects.toThrow(/full/);

      expect((await store.homeFeed(500)).map((activity) => activity.message)).toContain(kept.message);
      expect(await store.getActivity(parent)).toMatchObject({ repliesCount: 0 });
      expect(await store.health()).toEqual({
        ok: false,
        reason: expect.stringMatching(/^the last write failed: .*full.*\(SQLITE_FULL\)/),
      });
      // A read succeeding proves nothing about writing: still reported.
      await store.homeFeed(10);
      expect((await store.health()).ok).toBe(false);

      await driver.query('PRAGMA max_page_count = 1000000');
      await store.createActivity({ handle: 'ada', message: 'after space was freed', ttlSeconds: null });
      expect(await store.health()).toEqual({ ok: true });
      await driver.close();

      // Nothing that failed was kept, even after a reopen: only what was acknowledged.
      const reopened = await track(openDriver(target));
      const rows = await reopened.query<{ message: string }>('SELECT message FROM activities');
      const messages = rows.map((row) => row.message);
      expect(messages).toHaveLength(refused.acknowledged + 2);
      expect(messages).toEqual(expect.arrayContaining(['before the disk filled', 'after space was freed']));
      expect(messages).not.toContain(refused.message);
      expect(messages).not.toContain('x'.repeat(280));
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
}

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
    lastWriteFailure: () => inner.lastWriteFailure(),
    close: () => inner.close(),
  });
  return wrap(driver);
}

/** Creates long posts until the store refuses one: how many it took, and the refused one. */
async function fillUntilFull(store: Store): Promise<{ acknowledged: number; message: string; error: Error }> {
  for (let index = 0; index < 10_000; index++) {
    const message = `filler ${index} ${'x'.repeat(260)}`;
    try {
      await store.createActivity({ handle: 'ada', message, ttlSeconds: null });
    } catch (error) {
      return { acknowledged: index, message, error: error as Error };
    }
  }
  throw new Error('the store never filled up');
}
