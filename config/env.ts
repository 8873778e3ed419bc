/**
 * The environment schema: parsed once at start, validated, frozen. Every variable bakeoff reads is listed in
 * `ENV_VARS`, so the compose file, `.env.example` and the docs can be checked against it.
 */
import path from 'node:path';
import { z } from 'zod';
import { ADAPTER_NAMES, type AdapterName, VENDOR_ENV_VARS } from '../vendors';
import { BakeoffError } from './errors';
import { RELEASE_PATTERN, RELEASE_RULE, defaultRelease } from './release';

/** Variables that configure bakeoff itself (vendor SDK variables are read by each adapter). */
export const CORE_ENV_VARS = [
  'OBSERVABILITY',
  'PORT',
  'USERS_PORT',
  'USERS_URL',
  'NOTIFICATIONS_PORT',
  'NOTIFICATIONS_URL',
  'NOTIFICATIONS',
  'NOTIFICATIONS_QUEUE',
  'BAKEOFF_STACK',
  'QUEUE_MAX_RECEIVES',
  'QUEUE_VISIBILITY_TIMEOUT_S',
  'QUEUE_WAIT_S',
  'QUEUE_SEND_TIMEOUT_MS',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'CHAOS',
  'CHAOS_SEED',
  'CHAOS_DIR',
  'ADMIN_TOKEN',
  'BAKEOFF_SANDBOX',
  'BAKEOFF_RELEASE',
  'SERVICE_TOKEN',
  'SHUTDOWN_TIMEOUT_MS',
  'LOG_LEVEL',
] as const;

/** Vendor credentials and settings the adapters read (from the manifests); unset → the adapter sends to the sandbox. */
export { VENDOR_ENV_VARS } from '../vendors';

export const ENV_VARS: readonly string[] = [...CORE_ENV_VARS, ...VENDOR_ENV_VARS];

/**
 * Set to `1` by `bakeoff serve --with-sandbox`/`--demo` for the services it starts: the sandbox it started is the
 * notifications queue, whatever region the shell holds (like BAKEOFF_SANDBOX_XRAY_DAEMON for the X-Ray daemon).
 */
export const SANDBOX_QUEUE_VAR = 'BAKEOFF_SANDBOX_SQS';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const schema = z.object({
  OBSERVABILITY: z.string().default('none'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port(4567),
  USERS_PORT: port(4568),
  USERS_URL: z.url().optional(),
  NOTIFICATIONS_PORT: port(4569),
  NOTIFICATIONS_URL: z.url().optional(),
  NOTIFICATIONS: z.enum(['on', 'off']).default('on'),
  // SQS queue names: 1–80 letters, digits, `-` and `_`; `-dlq` is appended for the dead-letter queue.
  NOTIFICATIONS_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,76}$/, '1–76 letters, digits, - or _')
    .optional(),
  BAKEOFF_STACK: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, '1–40 lower-case letters, digits or -')
    .default('local'),
  QUEUE_MAX_RECEIVES: z.coerce.number().int().min(1).max(1000).default(3),
  QUEUE_VISIBILITY_TIMEOUT_S: z.coerce.number().int().min(0).max(43_200).default(10),
  QUEUE_WAIT_S: z.coerce.number().int().min(0).max(20).default(20),
  QUEUE_SEND_TIMEOUT_MS: z.coerce.number().int().positive().max(60_000).default(1_000),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  [SANDBOX_QUEUE_VAR]: z.literal('1').optional(),
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  CHAOS: z.string().default('off'),
  CHAOS_SEED: z.coerce.number().int().default(1),
  CHAOS_DIR: z.string().min(1).optional(),
  ADMIN_TOKEN: z.string().min(1).optional(),
  BAKEOFF_SANDBOX: z.url().default('http://127.0.0.1:4400'),
  BAKEOFF_RELEASE: z.string().regex(RELEASE_PATTERN, RELEASE_RULE).optional(),
  // No default: a well-known token would let anyone who reaches the users service call it (app/service-token.ts).
  SERVICE_TOKEN: z.string().min(1).optional(),
  // Below Docker's default 10 s stop timeout, so `docker stop` never kills a service that is still flushing.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** The notifications queue: where it is and how failures are retried (app/notifications/). */
export interface QueueConfig {
  /** `NOTIFICATIONS=off`: the activities service sends nothing (the worker still runs if started). */
  enabled: boolean;
  /** `NOTIFICATIONS_QUEUE`, else `bakeoff-<BAKEOFF_STACK>-notifications`; the DLQ is `<name>-dlq`. */
  name: string;
  deadLetterName: string;
  /** Receives before a message moves to the DLQ (the redrive policy's `maxReceiveCount`). */
  maxReceives: number;
  /** How long a received message stays hidden: the retry delay after a failure. */
  visibilityTimeoutS: number;
  /** Long-poll wait per ReceiveMessage. */
  waitS: number;
  /** Bound on the producer's SendMessage (queue URL lookup included), so a slow queue never holds a request. */
  sendTimeoutMs: number;
  /**
   * Set (`AWS_REGION`/`AWS_DEFAULT_REGION`) → real SQS in that region, credentials from the SDK's default chain;
   * unset, or the sandbox started by `serve --with-sandbox`/`--demo` (`BAKEOFF_SANDBOX_SQS=1`) → the sandbox's SQS
   * emulator at `BAKEOFF_SANDBOX` with fake credentials. The region decides, not
   * credentials alone: a key in the shell with no region never sends the app's messages to an account.
   */
  awsRegion: string | undefined;
}

export interface Config {
  adapters: readonly AdapterName[];
  host: string;
  port: number;
  usersPort: number;
  usersUrl: string;
  /** The notifications worker's port (its health check and `GET /api/notifications/:handle`). */
  notificationsPort: number;
  /** Where the activities service passes admin chaos changes on to the worker (as it does to users). */
  notificationsUrl: string;
  queue: QueueConfig;
  databaseUrl: string | undefined;
  dataDir: string;
  chaos: string;
  chaosSeed: number;
  /**
   * The operator's own scenarios directory: its `<name>.yaml` files are chosen by name, like the shipped ones,
   * at start and through the admin API. Unset → shipped scenarios only (plus a path in `CHAOS` at start).
   */
  chaosDir: string | undefined;
  /** Unset → the admin API answers 404: it is disabled, not open. */
  adminToken: string | undefined;
  sandboxUrl: string;
  /**
   * The run's release (`BAKEOFF_RELEASE`, default the package version): every adapter reports it as its vendor's
   * version setting (OTel `service.version`, Sentry `release`, Datadog `version`, Rollbar `code_version`, X-Ray
   * `service.version`), as named in each manifest's `release` field.
   */
  release: string;
  /**
   * Shared secret the activities service presents to the users service (the auth-failure fault forges it).
   * Unset → generated: by `bakeoff serve` for both roles, or shared through the data directory
   * (app/service-token.ts).
   */
  serviceToken: string | undefined;
  /**
   * The whole shutdown's budget: draining requests (at most half of it), flushing vendors and closing the store
   * share it. A supervisor's stop grace period must exceed it (docker-compose.yml `stop_grace_period`).
   */
  shutdownTimeoutMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

function queueConfig(e: z.infer<typeof schema>): QueueConfig {
  const name = e.NOTIFICATIONS_QUEUE ?? `bakeoff-${e.BAKEOFF_STACK}-notifications`;
  // `serve --with-sandbox` started the sandbox for this run: it is the queue, as it is the X-Ray daemon, even
  // when the shell holds a region.
  const awsRegion = e[SANDBOX_QUEUE_VAR] ? undefined : e.AWS_REGION || e.AWS_DEFAULT_REGION || undefined;
  return {
    enabled: e.NOTIFICATIONS === 'on',
    name,
    deadLetterName: `${name}-dlq`,
    maxReceives: e.QUEUE_MAX_RECEIVES,
    visibilityTimeoutS: e.QUEUE_VISIBILITY_TIMEOUT_S,
    waitS: e.QUEUE_WAIT_S,
    sendTimeoutMs: e.QUEUE_SEND_TIMEOUT_MS,
    awsRegion,
  };
}

/** `OBSERVABILITY=xray, rollbar` → `['xray', 'rollbar']`; unknown names fail with the list of valid ones. */
export function parseAdapterList(value: string): AdapterName[] {
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((name) => !(ADAPTER_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new BakeoffError(
      'BAKEOFF_ERR_UNKNOWN_ADAPTER',
      `Unknown adapter ${unknown.map((n) => `"${n}"`).join(', ')} in OBSERVABILITY. Valid names: ${ADAPTER_NAMES.join(', ')}.`,
    );
  }
  const unique = [...new Set(names)] as AdapterName[];
  if (unique.length === 0) return ['none'];
  // `none` next to a real vendor means nothing; keep the list honest.
  return unique.length > 1 ? unique.filter((name) => name !== 'none') : unique;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new BakeoffError('BAKEOFF_ERR_INVALID_ENV', `Invalid environment: ${problems}`);
  }
  const e = parsed.data;
  return Object.freeze({
    adapters: Object.freeze(parseAdapterList(e.OBSERVABILITY)),
    host: e.HOST,
    port: e.PORT,
    usersPort: e.USERS_PORT,
    usersUrl: e.USERS_URL ?? `http://127.0.0.1:${e.USERS_PORT}`,
    notificationsPort: e.NOTIFICATIONS_PORT,
    notificationsUrl: (e.NOTIFICATIONS_URL ?? `http://127.0.0.1:${e.NOTIFICATIONS_PORT}`).replace(/\/+$/, ''),
    queue: Object.freeze(queueConfig(e)),
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: path.resolve(e.DATA_DIR),
    chaos: e.CHAOS,
    chaosSeed: e.CHAOS_SEED,
    chaosDir: e.CHAOS_DIR ? path.resolve(e.CHAOS_DIR) : undefined,
    adminToken: e.ADMIN_TOKEN,
    sandboxUrl: e.BAKEOFF_SANDBOX.replace(/\/+$/, ''),
    release: e.BAKEOFF_RELEASE ?? defaultRelease(),
    serviceToken: e.SERVICE_TOKEN,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  });
}
