import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICE_TOKEN_HEADER } from '../../app/activities/users-client';
import { SERVICE_TOKEN_FILE } from '../../app/service-token';
import { type DeadEndpoint, deadVendorEnv, hangingEndpoint } from '../../harness/dead-endpoints';
import { sandboxEnv } from '../../harness/services';
import { type Spawned, spawnCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';

const started: Spawned[] = [];
const endpoints: DeadEndpoint[] = [];
afterAll(async () => {
  for (const s of started) s.signal('SIGKILL');
  for (const e of endpoints) await e.close();
});

type Env = Record<string, string | undefined>;

async function startRole(role: 'users' | 'activities', env: Env) {
  const proc = spawnCli(['serve', '--role', role, '--quiet'], env);
  started.push(proc);
  const [, url] = await proc.waitFor(/listening on (http:\/\/\S+)/);
  return { proc, url };
}

async function startPairCli(dataDir: string, extra: Env = {}) {
  const env = { DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0', ...extra };
  const users = await startRole('users', env);
  const activities = await startRole('activities', { ...env, USERS_URL: users.url });
  return { users, activities };
}

describe('bakeoff serve lifecycle', () => {
  it('keeps what was written across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-restart-'));
    const first = await startPairCli(dataDir);
    const res = await fetch(`${first.activities.url}/api/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'margaret', message: 'survives a restart' }),
    });
    expect(res.status).toBe(201);
    const { uuid } = (await res.json()) as { uuid: string };
    first.activities.proc.child.kill('SIGTERM');
    first.users.proc.child.kill('SIGTERM');
    expect((await first.activities.proc.exited).code).toBe(0);
    expect((await first.users.proc.exited).code).toBe(0);

    const second = await startPairCli(dataDir);
    const feed = (await (await fetch(`${second.activities.url}/api/activities/@margaret`)).json()) as {
      activities: Array<{ uuid: string }>;
    };
    expect(feed.activities.map((a) => a.uuid)).toContain(uuid);
    second.activities.proc.child.kill('SIGTERM');
    second.users.proc.child.kill('SIGTERM');
    await Promise.all([second.activities.proc.exited, second.users.proc.exited]);
  });

  it('drains on SIGTERM during load: exit 0, in-flight requests answered, no connection reset', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-drain-'));
    // bootcamp: every create sleeps 50–500 ms, so requests are in flight when the signal lands.
    const { activities, users } = await startPairCli(dataDir, { CHAOS: 'bootcamp' });
    const outcomes: string[] = [];
    let stop = false;
    let seq = 0;
    const worker = async () => {
      while (!stop) {
        const n = ++seq;
        try {
          const res = await fetch(`${activities.url}/api/activities`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-bakeoff-seq': String(n) },
            body: JSON.stringify({ handle: 'ada', message: `load ${n}` }),
          });
          await res.arrayBuffer();
          outcomes.push(String(res.status));
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code ?? 'UNKNOWN';
          outcomes.push(code);
          if (code === 'ECONNREFUSED') await sleep(20);
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await sleep(800);
    activities.proc.child.kill('SIGTERM');
    const exit = await activities.proc.exited;
    stop = true;
    await Promise.all(workers);
    users.proc.child.kill('SIGTERM');
    await users.proc.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    const answered = outcomes.filter((o) => o === '201').length;
    expect(answered).toBeGreaterThan(3);
    // After the listener closes, new connections are refused; nothing that was accepted is cut off.
    expect(outcomes.filter((o) => o !== '201' && o !== 'ECONNREFUSED')).toEqual([]);
  });
});

/**
 * POSTs a create that the `stuck` scenario holds for a minute, and resolves once the server has taken it: Node
 * answers `Expect: 100-continue` itself just before handing the request to the app. `outcome` settles when the
 * request ends, answered or cut.
 */
async function stuckCreate(baseUrl: string) {
  const req = http.request(`${baseUrl}/api/activities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', expect: '100-continue' },
  });
  const outcome = new Promise<string>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(`answered ${res.statusCode}`);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  await new Promise<void>((resolve, reject) => {
    req.on('continue', () => resolve());
    req.on('error', reject);
    req.flushHeaders();
  });
  req.end(JSON.stringify({ handle: 'ada', message: 'stuck' }));
  return { outcome };
}

describe('shutdown budget', () => {
  it('drains, flushes and closes within one SHUTDOWN_TIMEOUT_MS: a stuck request and a hanging vendor', async () => {
    const budgetMs = 3000;
    const hanging = await hangingEndpoint();
    endpoints.push(hanging);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-budget-'));
    const { activities } = await startPairCli(dataDir, {
      // Sentry's close() waits for envelopes the hanging endpoint never answers: the flush takes all it is given.
      ...sandboxEnv(deadVendorEnv(hanging.port)),
      OBSERVABILITY: 'sentry',
      CHAOS: path.resolve(__dirname, '../fixtures/scenarios/stuck.yaml'),
      SHUTDOWN_TIMEOUT_MS: String(budgetMs),
    });
    expect((await fetch(`${activities.url}/api/activities/home`)).status).toBe(200);
    const stuck = await stuckCreate(activities.url);

    const signalled = performance.now();
    activities.proc.signal('SIGTERM');
    const exit = await activities.proc.exited;
    const tookMs = performance.now() - signalled;

    expect(exit).toEqual({ code: 0, signal: null });
    // The stuck request was in flight and was cut at the drain's share of the budget, not answered.
    expect(await stuck.outcome).not.toMatch(/^answered|ECONNREFUSED/);
    // Draining and flushing each waited their whole timeout before: twice the budget (6 s here). One budget
    // now, plus a generous allowance for starting to handle the signal and exiting on a busy machine.
    expect(tookMs).toBeLessThan(budgetMs + 2500);
  }, 60_000);
});

describe('service token', () => {
  const tokenFile = (dataDir: string) => path.join(dataDir, SERVICE_TOKEN_FILE);
  const users = (url: string, token: string) =>
    fetch(`${url}/api/users?handles=ada`, { headers: { [SERVICE_TOKEN_HEADER]: token } });

  it('lone roles share a random token through their data directory, and never print it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-token-'));
    const pair = await startPairCli(dataDir, { SERVICE_TOKEN: undefined });
    expect((await fetch(`${pair.activities.url}/api/activities/home`)).status).toBe(200);

    const token = readFileSync(tokenFile(dataDir), 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(tokenFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(pair.users.proc.output()).toContain(
      `[users] service token: generated in ${tokenFile(dataDir)} (set SERVICE_TOKEN to fix one)`,
    );
    expect(pair.activities.proc.output()).toContain(
      `[activities] service token: shared through ${tokenFile(dataDir)}`,
    );
    for (const role of [pair.users, pair.activities]) expect(role.proc.output()).not.toContain(token);
    // The old well-known default opens nothing; the generated token does.
    expect((await users(pair.users.url, 'bakeoff-internal')).status).toBe(401);
    expect((await users(pair.users.url, token)).status).toBe(200);
  });

  it('SERVICE_TOKEN, when set, is used as it is and nothing is written', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-token-set-'));
    const pair = await startPairCli(dataDir, { SERVICE_TOKEN: 'operator-chosen-token-0001' });
    expect((await fetch(`${pair.activities.url}/api/activities/home`)).status).toBe(200);
    expect((await users(pair.users.url, 'operator-chosen-token-0001')).status).toBe(200);
    expect(existsSync(tokenFile(dataDir))).toBe(false);
    expect(pair.users.proc.output()).not.toMatch(/service token/);
  });

  it('`bakeoff serve` generates one per start for both roles, and says so without printing it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-token-serve-'));
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      USERS_PORT: String(await freePort()),
      NOTIFICATIONS_PORT: String(await freePort()),
    };
    const serve = spawnCli(
      ['serve', '--quiet'],
      { ...env, SERVICE_TOKEN: undefined },
      { processGroup: true },
    );
    started.push(serve);
    const activitiesUrl = `http://127.0.0.1:${env.PORT}`;
    const usersUrl = `http://127.0.0.1:${env.USERS_PORT}`;
    await serve.waitFor(new RegExp(`${activitiesUrl}/api/activities/home`), 30_000);

    expect(serve.output()).toContain(
      'bakeoff: service token: generated for this run (set SERVICE_TOKEN to fix one)',
    );
    // Both roles got the same token: the users service answers the activities service.
    expect((await fetch(`${activitiesUrl}/api/activities/home`)).status).toBe(200);
    expect((await users(usersUrl, 'bakeoff-internal')).status).toBe(401);
    // Per start, in memory: nothing left in the data directory.
    expect(existsSync(tokenFile(dataDir))).toBe(false);
    serve.signal('SIGTERM');
    expect((await serve.exited).code).toBe(0);
  }, 60_000);
});
