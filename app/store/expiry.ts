/**
 * Deleting expired activities, so the tables (and every query's cost) stop growing with posts nobody can see.
 * A reply goes with the post it answers: it would make no sense alone, and turning it into a top-level post
 * would put it on the home feed. Replies deleted under a surviving parent come off that parent's count.
 * The same SQL runs on SQLite and PostgreSQL.
 */
import type { SqlDriver } from './types';

/** Expired posts deleted per transaction, so one sweep never holds the embedded store's queue for long. */
export const EXPIRY_BATCH = 500;

/** `$1` is now, `$2` the batch size: that many expired activities (oldest first) and every reply under them. */
const DOOMED = `WITH RECURSIVE doomed (uuid) AS (
    SELECT uuid FROM activities WHERE uuid IN (
      SELECT uuid FROM activities WHERE expires_at IS NOT NULL AND expires_at <= $1
      ORDER BY expires_at, uuid LIMIT $2)
    UNION
    SELECT reply.uuid FROM activities reply JOIN doomed ON reply.reply_to_uuid = doomed.uuid
  )`;

// Decremented, not recounted: on PostgreSQL a reply committed concurrently would be missing from a recount made
// from this statement's snapshot, while `replies_count - n` applies to the row's latest version.
const UNCOUNT_DOOMED_REPLIES = `${DOOMED}
  UPDATE activities SET replies_count = replies_count - (
    SELECT COUNT(*) FROM activities reply
    WHERE reply.reply_to_uuid = activities.uuid AND reply.uuid IN (SELECT uuid FROM doomed))
  WHERE uuid NOT IN (SELECT uuid FROM doomed)
    AND uuid IN (SELECT reply.reply_to_uuid FROM activities reply WHERE reply.uuid IN (SELECT uuid FROM doomed))`;

// One statement, so the foreign key from each reply to its parent holds when it is checked (at statement end).
const DELETE_DOOMED = `${DOOMED}
  DELETE FROM activities WHERE uuid IN (SELECT uuid FROM doomed) RETURNING uuid`;

/** Advisory-lock key for the sweep, so two services sweeping one PostgreSQL database take turns. */
const EXPIRY_LOCK_KEY = 4_252_512;

/**
 * Both service roles sweep, and on PostgreSQL they share the tables. Without turns, the second sweep's UPDATE
 * would wait on the first's row locks, then decrement the same parents again. Each statement after the lock
 * sees what the first sweep committed. SQLite needs none: one process per file.
 */
async function lockExpiry(tx: SqlDriver): Promise<void> {
  if (tx.system === 'postgresql') await tx.query('SELECT pg_advisory_xact_lock($1)', [EXPIRY_LOCK_KEY]);
}

const ANY_DUE = 'SELECT 1 AS due FROM activities WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT 1';

/** Deletes what expired at or before `now` (ISO-8601 UTC), batch by batch; returns how many rows went. */
export async function deleteExpired(
  driver: SqlDriver,
  now: string,
  batchSize = EXPIRY_BATCH,
): Promise<number> {
  let deleted = 0;
  // Checked first so a sweep with nothing to do writes nothing (and can't pass for a successful write).
  while ((await driver.query(ANY_DUE, [now])).length > 0) {
    const batch = await driver.transaction(async (tx) => {
      await lockExpiry(tx);
      await tx.query(UNCOUNT_DOOMED_REPLIES, [now, batchSize]);
      return (await tx.query(DELETE_DOOMED, [now, batchSize])).length;
    });
    if (batch === 0) break;
    deleted += batch;
  }
  return deleted;
}
