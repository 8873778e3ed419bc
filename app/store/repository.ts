/**
 * The domain queries, written once in SQL that SQLite and PostgreSQL both accept. Timestamps are ISO-8601 UTC
 * text of fixed width, so comparing and ordering them as text is comparing and ordering them in time.
 */
import { randomUUID } from 'node:crypto';
import { deleteExpired } from './expiry';
import type {
  Activity,
  NewActivity,
  Notification,
  NotificationKind,
  SqlDriver,
  Store,
  StoreHealth,
  UserProfile,
} from './types';

export interface RepositoryOptions {
  /** The clock used for creation times and expiry. Default: the system clock. Tests move it to expire posts. */
  now?: () => Date;
}

/** Upper bound on any `limit`, so one request can't ask for the whole table. */
export const MAX_LIMIT = 500;

interface ActivityRow {
  uuid: string;
  handle: string;
  message: string;
  created_at: string;
  expires_at: string | null;
  reply_to_uuid: string | null;
  replies_count: number | string;
  [column: string]: unknown;
}

interface UserRow {
  handle: string;
  display_name: string;
  bio: string;
  [column: string]: unknown;
}

const ACTIVITY_COLUMNS = 'uuid, handle, message, created_at, expires_at, reply_to_uuid, replies_count';
const USER_COLUMNS = 'handle, display_name, bio';
/** `$1` is always "now" in queries that hide expired activities. */
const NOT_EXPIRED = '(expires_at IS NULL OR expires_at > $1)';

export function createRepository(driver: SqlDriver, options: RepositoryOptions = {}): Store {
  const now = () => (options.now ?? (() => new Date()))().toISOString();

  async function getActivity(uuid: string, db: SqlDriver = driver): Promise<Activity | null> {
    const rows = await db.query<ActivityRow>(
      `SELECT ${ACTIVITY_COLUMNS} FROM activities WHERE uuid = $2 AND ${NOT_EXPIRED}`,
      [now(), uuid],
    );
    return rows.length ? toActivity(rows[0]) : null;
  }

  async function insertActivity(db: SqlDriver, input: NewActivity): Promise<Activity> {
    const createdAt = now();
    const activity: Activity = {
      uuid: randomUUID(),
      handle: input.handle,
      message: input.message,
      createdAt,
      expiresAt:
        input.ttlSeconds === null
          ? null
          : new Date(Date.parse(createdAt) + input.ttlSeconds * 1000).toISOString(),
      replyToUuid: input.replyToUuid ?? null,
      repliesCount: 0,
    };
    await db.query(
      `INSERT INTO activities (uuid, handle, message, created_at, expires_at, reply_to_uuid, replies_count)
       VALUES ($1, $2, $3, $4, $5, $6, 0)`,
      [
        activity.uuid,
        activity.handle,
        activity.message,
        activity.createdAt,
        activity.expiresAt,
        activity.replyToUuid,
      ],
    );
    return activity;
  }

  async function reply(
    parentUuid: string,
    input: Omit<NewActivity, 'replyToUuid'>,
  ): Promise<Activity | null> {
    return driver.transaction(async (tx) => {
      if (!(await getActivity(parentUuid, tx))) return null;
      const created = await insertActivity(tx, { ...input, replyToUuid: parentUuid });
      // Incremented in SQL, not read-modify-write in JS, so concurrent replies never lose a count.
      await tx.query('UPDATE activities SET replies_count = replies_count + 1 WHERE uuid = $1', [parentUuid]);
      return created;
    });
  }

  return {
    system: driver.system,

    async homeFeed(limit) {
      const rows = await driver.query<ActivityRow>(
        `SELECT ${ACTIVITY_COLUMNS} FROM activities
         WHERE reply_to_uuid IS NULL AND ${NOT_EXPIRED}
         ORDER BY created_at DESC, uuid DESC LIMIT $2`,
        [now(), clampLimit(limit)],
      );
      return rows.map(toActivity);
    },

    async activitiesByHandle(handle, limit) {
      const rows = await driver.query<ActivityRow>(
        `SELECT ${ACTIVITY_COLUMNS} FROM activities
         WHERE handle = $2 AND ${NOT_EXPIRED}
         ORDER BY created_at DESC, uuid DESC LIMIT $3`,
        [now(), handle, clampLimit(limit)],
      );
      return rows.map(toActivity);
    },

    async search(term, limit) {
      // CAST pins the parameter to text for PostgreSQL, which has several `lower` overloads.
      const rows = await driver.query<ActivityRow>(
        `SELECT ${ACTIVITY_COLUMNS} FROM activities
         WHERE ${NOT_EXPIRED} AND lower(message) LIKE lower(CAST($2 AS TEXT)) ESCAPE '\\'
         ORDER BY created_at DESC, uuid DESC LIMIT $3`,
        [now(), `%${escapeLike(term)}%`, clampLimit(limit)],
      );
      return rows.map(toActivity);
    },

    getActivity: (uuid) => getActivity(uuid),

    async createActivity(input) {
      if (!input.replyToUuid) return insertActivity(driver, { ...input, replyToUuid: null });
      // A reply must bump its parent's count, so it takes the transactional path.
      const created = await reply(input.replyToUuid, input);
      if (!created) throw new Error(`cannot reply to ${input.replyToUuid}: no such activity`);
      return created;
    },

    reply,

    async userByHandle(handle) {
      const rows = await driver.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE handle = $1`, [
        handle,
      ]);
      return rows.length ? toUser(rows[0]) : null;
    },

    async usersByHandles(handles) {
      const unique = [...new Set(handles)];
      if (unique.length === 0) return [];
      // An IN list of placeholders works on both engines (PostgreSQL's `= ANY($1)` needs an array type).
      const placeholders = unique.map((_, index) => `$${index + 1}`).join(', ');
      const rows = await driver.query<UserRow>(
        `SELECT ${USER_COLUMNS} FROM users WHERE handle IN (${placeholders}) ORDER BY handle`,
        unique,
      );
      return rows.map(toUser);
    },

    deleteExpired: () => deleteExpired(driver, now()),

    async addNotifications(notifications) {
      if (notifications.length === 0) return 0;
      const createdAt = now();
      return driver.transaction(async (tx) => {
        let added = 0;
        for (const n of notifications) {
          // RETURNING tells, on both engines, whether the row was new or already there (a redelivery).
          const rows = await tx.query(
            `INSERT INTO notifications (handle, activity_uuid, kind, actor, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (handle, activity_uuid) DO NOTHING RETURNING handle`,
            [n.handle, n.activityUuid, n.kind, n.actor, createdAt],
          );
          added += rows.length;
        }
        return added;
      });
    },

    async notificationsFor(handle, limit) {
      const rows = await driver.query<NotificationRow>(
        `SELECT handle, activity_uuid, kind, actor, created_at FROM notifications
         WHERE handle = $1 ORDER BY created_at DESC, activity_uuid DESC LIMIT $2`,
        [handle, clampLimit(limit)],
      );
      return rows.map(toNotification);
    },

    ping: () => driver.ping(),

    async health(): Promise<StoreHealth> {
      const failure = driver.lastWriteFailure();
      if (failure) return { ok: false, reason: `the last write failed: ${failure}` };
      try {
        await driver.ping();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `not reachable: ${(error as Error).message}` };
      }
    },

    close: () => driver.close(),
  };
}

/** Makes `%`, `_` and `\` match themselves under `LIKE … ESCAPE '\'`. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return MAX_LIMIT;
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_LIMIT);
}

function toActivity(row: ActivityRow): Activity {
  return {
    uuid: row.uuid,
    handle: row.handle,
    message: row.message,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    replyToUuid: row.reply_to_uuid,
    repliesCount: Number(row.replies_count),
  };
}

interface NotificationRow {
  handle: string;
  activity_uuid: string;
  kind: NotificationKind;
  actor: string;
  created_at: string;
  [column: string]: unknown;
}

function toNotification(row: NotificationRow): Notification {
  return {
    handle: row.handle,
    activityUuid: row.activity_uuid,
    kind: row.kind,
    actor: row.actor,
    createdAt: row.created_at,
  };
}

function toUser(row: UserRow): UserProfile {
  return { handle: row.handle, displayName: row.display_name, bio: row.bio };
}
