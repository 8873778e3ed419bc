/**
 * The store's public shape. Two drivers implement `SqlDriver` (embedded SQLite through Node's built-in
 * `node:sqlite`, and PostgreSQL through `pg`); one repository holds the domain queries, written once in SQL both
 * engines accept.
 */

export type SqlValue = string | number | boolean | null;
export type Row = Record<string, unknown>;

export interface SqlDriver {
  /** `sqlite` or `postgresql` (the OpenTelemetry `db.system` value). */
  readonly system: 'sqlite' | 'postgresql';
  /** Parameters are written `$1`, `$2`, … in every statement; each driver maps them to its own syntax. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /**
   * Why the last write failed for a reason of the store's own (disk full, I/O error, database unreachable), as
   * long as no write has succeeded since; null while writes work. Constraint violations and application errors
   * are the caller's business and never count.
   */
  lastWriteFailure(): string | null;
  close(): Promise<void>;
}

/** What `/api/health-check` reports about the store. */
export interface StoreHealth {
  ok: boolean;
  /** Why not, when not ok. Safe to show: never a secret. */
  reason?: string;
}

/** Called around every statement, so the telemetry facade can put a span on each query. */
export type QueryObserver = <T>(
  statement: string,
  system: SqlDriver['system'],
  run: () => Promise<T>,
) => Promise<T>;

export interface Activity {
  uuid: string;
  handle: string;
  message: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  expiresAt: string | null;
  replyToUuid: string | null;
  repliesCount: number;
}

export interface UserProfile {
  handle: string;
  displayName: string;
  bio: string;
}

export interface NewActivity {
  handle: string;
  message: string;
  /** Seconds until the activity expires; null for never. */
  ttlSeconds: number | null;
  replyToUuid?: string | null;
}

/** Why someone is notified: mentioned in an activity, or replied to. */
export type NotificationKind = 'mention' | 'reply';

export interface Notification {
  /** Who is notified. */
  handle: string;
  activityUuid: string;
  kind: NotificationKind;
  /** Who mentioned or replied. */
  actor: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}

export interface Store {
  readonly system: SqlDriver['system'];
  /** Latest non-expired top-level activities, newest first. */
  homeFeed(limit: number): Promise<Activity[]>;
  activitiesByHandle(handle: string, limit: number): Promise<Activity[]>;
  /** Case-insensitive substring search over messages; `%` and `_` in the term are literal. */
  search(term: string, limit: number): Promise<Activity[]>;
  getActivity(uuid: string): Promise<Activity | null>;
  createActivity(input: NewActivity): Promise<Activity>;
  /** Creates the reply and bumps the parent's count in one transaction; null if the parent is unknown. */
  reply(parentUuid: string, input: Omit<NewActivity, 'replyToUuid'>): Promise<Activity | null>;
  userByHandle(handle: string): Promise<UserProfile | null>;
  usersByHandles(handles: readonly string[]): Promise<UserProfile[]>;
  /**
   * Deletes expired activities, with the replies under them (a thread goes with its post), and takes the deleted
   * replies off their surviving parents' counts. Returns how many rows went.
   */
  deleteExpired(): Promise<number>;
  /** Stores these notifications; one already stored for the same (handle, activity) is kept. Returns how many are new. */
  addNotifications(notifications: readonly Omit<Notification, 'createdAt'>[]): Promise<number>;
  /** A handle's notifications, newest first. */
  notificationsFor(handle: string, limit: number): Promise<Notification[]>;
  ping(): Promise<void>;
  /** Not ok while the last write failed (until one succeeds again) or while the database can't be reached. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL connection string; unset → embedded SQLite file in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /**
   * Which file the embedded store uses (one per service role). One process at a time: a second one opening the
   * same file is refused with `BAKEOFF_ERR_DATA_DIR_IN_USE`.
   */
  fileName: string;
  observer?: QueryObserver;
  /** Insert the demo users and activities when the tables are empty. Default true. */
  seed?: boolean;
  /**
   * How often expired activities are deleted, in ms; they are also deleted once at open. Default 60 000;
   * 0 deletes them only at open.
   */
  expirySweepMs?: number;
}
