/**
 * The store's public shape. Two drivers implement `SqlDriver` (embedded SQLite through sql.js, and PostgreSQL
 * through `pg`); one repository holds the domain queries, written once in SQL both engines accept.
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
  close(): Promise<void>;
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
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL connection string; unset → embedded SQLite file in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Which file the embedded store uses (one per service role, so two processes never share a file). */
  fileName: string;
  observer?: QueryObserver;
  /** Insert the demo users and activities when the tables are empty. Default true. */
  seed?: boolean;
}
