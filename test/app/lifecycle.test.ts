import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { type Spawned, spawnCli } from '../helpers/cli';

const started: Spawned[] = [];
afterAll(() => {
  for (const s of started) s.child.kill('SIGKILL');
});

async function startRole(role: 'users' | 'activities', env: Record<string, string>) {
  const proc = spawnCli(['serve', '--role', role, '--quiet'], env);
  started.push(proc);
  const [, url] = await proc.waitFor(/listening on (http:\/\/\S+)/);
  return { proc, url };
}

async function startPairCli(dataDir: string, extra: Record<string, string> = {}) {
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
