/**
 * docker-compose.yml, .env.example and the Dockerfile: validated by a real Compose CLI (`docker compose` v2 or
 * Debian's `docker-compose` 1.29, which validates without a Docker engine) for the default and every profile,
 * then checked structurally, and every variable they mention is compared with config/env.ts's ENV_VARS.
 * Without a Compose CLI the validation suite is skipped and named at the end of the run (a failure with CI=true).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_VARS } from '../../config/env';
import { composeCli as findComposeCli, requirePackages } from '../helpers/system-packages';
import { REPO_ROOT } from './harness';

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const ENV_EXAMPLE = path.join(REPO_ROOT, '.env.example');
const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const envExampleText = readFileSync(ENV_EXAMPLE, 'utf8');

/** Read by Compose itself (project name, profiles, published address, the load run), never by bakeoff. */
const COMPOSE_VARS = [
  'COMPOSE_PROJECT_NAME',
  'COMPOSE_PROFILES',
  'PUBLISH_ADDRESS',
  'LOAD_REQUESTS',
  'LOAD_CONCURRENCY',
  'LOAD_RATE',
];
/** Read by the third-party containers (postgres, X-Ray daemon, Datadog agent), never by bakeoff. */
const THIRD_PARTY_VARS = [
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'POSTGRES_DB',
  'DD_SITE',
  'DD_HOSTNAME',
  'DD_APM_ENABLED',
  'DD_APM_NON_LOCAL_TRAFFIC',
];
const BAKEOFF_SERVICES = ['sandbox', 'users', 'activities', 'notifications', 'load'];
const DEFAULT_SERVICES = ['activities', 'notifications', 'postgres', 'sandbox', 'users'];
const PROFILE_SERVICES: Record<string, string> = { load: 'load', xray: 'xray', datadog: 'datadog-agent' };

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, unknown> | string[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

function envKeys(service: Service): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((entry) => entry.split('=')[0]) : Object.keys(env);
}

/** "${PUBLISH_ADDRESS:-127.0.0.1}:4400:4400" → "4400:4400"; "…:2000:2000/udp" → "2000:2000/udp". */
const hostAndContainerPort = (mapping: string) => mapping.split(':').slice(-2).join(':');

let composeCli: string[] | undefined;
function runCompose(args: string[], envFile = ENV_EXAMPLE) {
  if (!composeCli) throw new Error('no Compose CLI found');
  const [cmd, ...pre] = composeCli;
  const result = spawnSync(
    cmd,
    [...pre, '--project-directory', REPO_ROOT, '-f', COMPOSE_FILE, '--env-file', envFile, ...args],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

requirePackages(['docker-compose'])('docker compose config', () => {
  beforeAll(() => {
    composeCli = findComposeCli();
  });

  it('has a Compose CLI to validate with (CI: apt-get install -y docker-compose)', () => {
    expect(composeCli).toBeDefined();
  });

  // Compose 1.29's `config --services` lists every service whatever the profiles (v2 filters them), so the CLI
  // proves each profile validates and defines its service; which services a profile adds is checked below from
  // the file itself.
  it('validates the default configuration', () => {
    const result = runCompose(['config', '--quiet']);
    expect(result.stderr).not.toMatch(/error|invalid|unsupported/i);
    expect(result.status).toBe(0);
    expect(runCompose(['config', '--services']).stdout.split('\n')).toEqual(
      expect.arrayContaining(DEFAULT_SERVICES),
    );
  });

  it.each(Object.entries(PROFILE_SERVICES))(
    'validates --profile %s, which defines %s',
    (profile, service) => {
      const result = runCompose(['--profile', profile, 'config', '--services']);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.split('\n')).toEqual(expect.arrayContaining([...DEFAULT_SERVICES, service]));
    },
  );

  it('sends to the sandbox by default and to the daemon when .env says so', () => {
    const resolved = (envFile?: string) => {
      const result = runCompose(['config'], envFile);
      expect(result.status, result.stderr).toBe(0);
      return (parse(result.stdout) as { services: Record<string, Service> }).services.activities
        .environment as Record<string, unknown>;
    };
    const byDefault = resolved();
    expect(byDefault.AWS_XRAY_DAEMON_ADDRESS).toBe('sandbox:2000');
    expect(byDefault.DD_TRACE_AGENT_URL).toBe('http://sandbox:8126');
    expect(byDefault.BAKEOFF_SANDBOX).toBe('http://sandbox:4400');

    const xrayEnv = path.join(REPO_ROOT, 'test', 'deploy', 'fixtures', 'profiles.env');
    const overridden = resolved(xrayEnv);
    expect(overridden.AWS_XRAY_DAEMON_ADDRESS).toBe('xray:2000');
    expect(overridden.DD_TRACE_AGENT_URL).toBe('http://datadog-agent:8126');
  });
});

describe('docker-compose.yml structure', () => {
  it('runs every bakeoff role from the one image, by command', () => {
    for (const name of BAKEOFF_SERVICES) {
      expect(services[name].image).toBe('bakeoff:local');
      expect(services[name].build).toBe('.');
    }
    expect(services.activities.command).toEqual(['serve', '--role', 'activities']);
    expect(services.users.command).toEqual(['serve', '--role', 'users']);
    expect(services.notifications.command).toEqual(['serve', '--role', 'notifications']);
    expect(services.sandbox.command).toEqual(['sandbox', '--host', '0.0.0.0', '--allow-host', 'sandbox']);
    expect(services.load.command?.slice(0, 3)).toEqual(['load', '--target', 'http://activities:4567']);
    expect(services.load.profiles).toEqual(['load']);
    expect(services.xray.profiles).toEqual(['xray']);
    expect(services['datadog-agent'].profiles).toEqual(['datadog']);
    const withoutProfile = Object.keys(services).filter((name) => !services[name].profiles);
    expect(withoutProfile.sort()).toEqual(DEFAULT_SERVICES);
    for (const [profile, name] of Object.entries(PROFILE_SERVICES))
      expect(services[name].profiles).toEqual([profile]);
  });

  it('publishes the ports of DESIGN §3 (same number outside and in)', () => {
    expect(services.activities.ports?.map(hostAndContainerPort)).toEqual(['4567:4567']);
    expect(services.users.ports?.map(hostAndContainerPort)).toEqual(['4568:4568']);
    expect(services.notifications.ports?.map(hostAndContainerPort)).toEqual(['4569:4569']);
    expect(services.sandbox.ports?.map(hostAndContainerPort)).toEqual([
      '4400:4400',
      '4318:4318',
      '8126:8126',
      '2000:2000/udp',
      '2000:2000/tcp',
    ]);
    expect(services.postgres.ports).toBeUndefined();
  });

  it('gives every long-running service a healthcheck with an interval', () => {
    for (const name of ['sandbox', 'users', 'activities', 'notifications', 'postgres', 'datadog-agent']) {
      const check = services[name].healthcheck;
      expect(check?.test.length, name).toBeGreaterThan(1);
      expect(check?.interval, name).toMatch(/^\d+s$/);
      expect(check?.retries, name).toBeGreaterThan(0);
    }
    expect(services.activities.healthcheck?.test).toContain('http://127.0.0.1:4567/api/health-check');
    expect(services.users.healthcheck?.test).toContain('http://127.0.0.1:4568/api/health-check');
    expect(services.notifications.healthcheck?.test).toContain('http://127.0.0.1:4569/api/health-check');
    expect(services.sandbox.healthcheck?.test).toContain('http://127.0.0.1:4400/api/health');
    expect(services.postgres.healthcheck?.test).toContain('pg_isready');
  });

  it('waits for healthy dependencies, and only depends on services that have a healthcheck', () => {
    expect(Object.keys(services.activities.depends_on ?? {}).sort()).toEqual([
      'postgres',
      'sandbox',
      'users',
    ]);
    expect(Object.keys(services.users.depends_on ?? {}).sort()).toEqual(['postgres', 'sandbox']);
    expect(Object.keys(services.notifications.depends_on ?? {}).sort()).toEqual([
      'postgres',
      'sandbox',
      'users',
    ]);
    expect(Object.keys(services.load.depends_on ?? {})).toEqual(['activities']);
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
        expect(services[dependency].healthcheck, dependency).toBeDefined();
      }
    }
  });

  it('keeps PostgreSQL in a named volume at the PostgreSQL 18 data path', () => {
    expect(services.postgres.image).toMatch(/^postgres:1[7-9]$/);
    expect(services.postgres.volumes).toEqual(['pgdata:/var/lib/postgresql']);
  });
});

describe('environment variables', () => {
  const known = new Set(ENV_VARS);

  it('passes bakeoff services only variables bakeoff knows', () => {
    for (const name of BAKEOFF_SERVICES) {
      const unknown = envKeys(services[name]).filter((key) => !known.has(key));
      expect(unknown, name).toEqual([]);
    }
  });

  it('passes the services every variable bakeoff knows', () => {
    const missing = ENV_VARS.filter((key) => !envKeys(services.activities).includes(key));
    expect(missing).toEqual([]);
  });

  it('interpolates only bakeoff, Compose or third-party-container variables', () => {
    const interpolated = [...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]);
    const allowed = new Set([...ENV_VARS, ...COMPOSE_VARS, ...THIRD_PARTY_VARS]);
    expect(interpolated.filter((name) => !allowed.has(name))).toEqual([]);
  });

  it('gives third-party containers only their own variables or bakeoff ones', () => {
    const allowed = new Set([...ENV_VARS, ...THIRD_PARTY_VARS]);
    for (const name of ['postgres', 'xray', 'datadog-agent']) {
      expect(
        envKeys(services[name]).filter((key) => !allowed.has(key)),
        name,
      ).toEqual([]);
    }
  });

  it('.env.example sets only known variables and mentions every one bakeoff reads', () => {
    const assigned = [...envExampleText.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    const allowed = new Set([...ENV_VARS, ...COMPOSE_VARS, ...THIRD_PARTY_VARS]);
    expect(assigned.filter((name) => !allowed.has(name))).toEqual([]);
    expect(ENV_VARS.filter((name) => !new RegExp(`\\b${name}\\b`).test(envExampleText))).toEqual([]);
  });

  it('.env.example holds no secret values: every credential line is commented out and empty', () => {
    for (const name of [
      'HONEYCOMB_API_KEY',
      'SENTRY_DSN',
      'ROLLBAR_ACCESS_TOKEN',
      'DD_API_KEY',
      'AWS_SECRET_ACCESS_KEY',
    ]) {
      expect(envExampleText).toMatch(new RegExp(`^#${name}=$`, 'm'));
    }
  });
});
