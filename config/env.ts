/**
 * The environment schema: parsed once at start, validated, frozen. Every variable bakeoff reads is listed in
 * `ENV_VARS`, so the compose file, `.env.example` and the docs can be checked against it.
 */
import path from 'node:path';
import { z } from 'zod';
import { ADAPTER_NAMES, type AdapterName, VENDOR_ENV_VARS } from '../vendors';
import { BakeoffError } from './errors';

/** Variables that configure bakeoff itself (vendor SDK variables are read by each adapter). */
export const CORE_ENV_VARS = [
  'OBSERVABILITY',
  'PORT',
  'USERS_PORT',
  'USERS_URL',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'CHAOS',
  'CHAOS_SEED',
  'CHAOS_DIR',
  'ADMIN_TOKEN',
  'BAKEOFF_SANDBOX',
  'SERVICE_TOKEN',
  'SHUTDOWN_TIMEOUT_MS',
  'LOG_LEVEL',
] as const;

/** Vendor credentials and settings the adapters read (from the manifests); unset → the adapter sends to the sandbox. */
export { VENDOR_ENV_VARS } from '../vendors';

export const ENV_VARS: readonly string[] = [...CORE_ENV_VARS, ...VENDOR_ENV_VARS];

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const schema = z.object({
  OBSERVABILITY: z.string().default('none'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port(4567),
  USERS_PORT: port(4568),
  USERS_URL: z.url().optional(),
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  CHAOS: z.string().default('off'),
  CHAOS_SEED: z.coerce.number().int().default(1),
  CHAOS_DIR: z.string().min(1).optional(),
  ADMIN_TOKEN: z.string().min(1).optional(),
  BAKEOFF_SANDBOX: z.url().default('http://127.0.0.1:4400'),
  // No default: a well-known token would let anyone who reaches the users service call it (app/service-token.ts).
  SERVICE_TOKEN: z.string().min(1).optional(),
  // Below Docker's default 10 s stop timeout, so `docker stop` never kills a service that is still flushing.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export interface Config {
  adapters: readonly AdapterName[];
  host: string;
  port: number;
  usersPort: number;
  usersUrl: string;
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
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: path.resolve(e.DATA_DIR),
    chaos: e.CHAOS,
    chaosSeed: e.CHAOS_SEED,
    chaosDir: e.CHAOS_DIR ? path.resolve(e.CHAOS_DIR) : undefined,
    adminToken: e.ADMIN_TOKEN,
    sandboxUrl: e.BAKEOFF_SANDBOX.replace(/\/+$/, ''),
    serviceToken: e.SERVICE_TOKEN,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  });
}
