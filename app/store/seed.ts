/**
 * Demo data, so a fresh store shows a feed at once. Ids are fixed and times are relative to `now`, so every
 * fresh demo looks the same and still looks recent.
 */
import { seedActivityUuid, seedUsers } from '../../shared/seed-data';
import { lockSchema } from './migrations';
import type { SqlDriver } from './types';

// The users and uuids live in shared/ so the load generator (harness) knows them without importing the app.
export { seedActivityUuid, seedUsers } from '../../shared/seed-data';

interface SeedActivity {
  /** Last two hex digits of the fixed uuid. */
  id: number;
  handle: string;
  message: string;
  minutesAgo: number;
  /** Index (`id`) of the activity this one answers. */
  replyTo?: number;
  /** Hours until it expires, for the demo of short-lived posts. */
  expiresInHours?: number;
}

const seedActivities: readonly SeedActivity[] = [
  { id: 1, handle: 'ada', message: 'First light on the new feed. Hello, everyone!', minutesAgo: 180 },
  {
    id: 2,
    handle: 'grace',
    message: 'Found a moth in relay 70. Logging it as the first actual bug.',
    minutesAgo: 150,
  },
  {
    id: 3,
    handle: 'linus',
    message: 'Release candidate is out. Please test before Sunday.',
    minutesAgo: 120,
  },
  {
    id: 4,
    handle: 'margaret',
    message: 'Added an alarm for the case nobody believes can happen.',
    minutesAgo: 95,
  },
  { id: 5, handle: 'ken', message: 'Rewrote the parser as three small tools and a pipe.', minutesAgo: 80 },
  {
    id: 6,
    handle: 'barbara',
    message: 'A subtype should keep every promise its parent made.',
    minutesAgo: 60,
  },
  {
    id: 7,
    handle: 'grace',
    message: 'Welcome, Ada! The coffee is in building 2.',
    minutesAgo: 170,
    replyTo: 1,
  },
  { id: 8, handle: 'ken', message: 'Hello! Is the feed sorted newest first?', minutesAgo: 165, replyTo: 1 },
  {
    id: 9,
    handle: 'ada',
    message: 'It is, and replies stay under their parent.',
    minutesAgo: 160,
    replyTo: 1,
  },
  {
    id: 10,
    handle: 'margaret',
    message: 'Tested on two machines: no regressions so far.',
    minutesAgo: 90,
    replyTo: 3,
  },
  {
    id: 11,
    handle: 'linus',
    message: 'Trace everything today; we compare vendors tomorrow.',
    minutesAgo: 30,
  },
  {
    id: 12,
    handle: 'barbara',
    message: 'This note disappears in six hours, like a good temporary file.',
    minutesAgo: 10,
    expiresInHours: 6,
  },
];

/**
 * Inserts the demo users when `users` is empty and the demo activities when `activities` is empty.
 * Returns what it inserted.
 */
export async function seedIfEmpty(
  driver: SqlDriver,
  now: Date = new Date(),
): Promise<{ users: number; activities: number }> {
  return driver.transaction(async (tx) => {
    await lockSchema(tx);
    const inserted = { users: 0, activities: 0 };
    if (await isEmpty(tx, 'users')) {
      for (const user of seedUsers) {
        await tx.query('INSERT INTO users (handle, display_name, bio, created_at) VALUES ($1, $2, $3, $4)', [
          user.handle,
          user.displayName,
          user.bio,
          minutesBefore(now, 24 * 60),
        ]);
      }
      inserted.users = seedUsers.length;
    }
    if (await isEmpty(tx, 'activities')) {
      // Parents before replies, so the foreign key is satisfied at every insert.
      const ordered = [...seedActivities].sort(
        (a, b) => Number(a.replyTo !== undefined) - Number(b.replyTo !== undefined),
      );
      for (const activity of ordered) {
        const repliesCount = seedActivities.filter((other) => other.replyTo === activity.id).length;
        await tx.query(
          `INSERT INTO activities (uuid, handle, message, created_at, expires_at, reply_to_uuid, replies_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            seedActivityUuid(activity.id),
            activity.handle,
            activity.message,
            minutesBefore(now, activity.minutesAgo),
            activity.expiresInHours === undefined ? null : minutesBefore(now, -60 * activity.expiresInHours),
            activity.replyTo === undefined ? null : seedActivityUuid(activity.replyTo),
            repliesCount,
          ],
        );
      }
      inserted.activities = seedActivities.length;
    }
    return inserted;
  });
}

async function isEmpty(tx: SqlDriver, table: 'users' | 'activities'): Promise<boolean> {
  const rows = await tx.query(`SELECT 1 AS present FROM ${table} LIMIT 1`);
  return rows.length === 0;
}

function minutesBefore(now: Date, minutes: number): string {
  return new Date(now.getTime() - minutes * 60_000).toISOString();
}
