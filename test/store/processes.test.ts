/**
 * The embedded store across real service processes (the built CLI): no acknowledged post is lost when the
 * service dies mid-stream, by kill -9 or SIGTERM, and a second process on the same DATA_DIR is refused instead
 * of acknowledging posts that the first would overwrite.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDriver } from '../../app/store/index';
import { type Spawned, spawnCli } from '../helpers/cli';

const started: Spawned[] = [];
afterAll(() => {
  for (const proc of started) proc.child.kill('SIGKILL');
});

async function startRole(role: 'users' | 'activities', env: Record<string, string>) {
  const proc = spawnCli(['serve', '--role', role, '--quiet'], env);
  started.push(proc);
  const [, url] = await proc.waitFor(/listening on (http:\/\/\S+)/);
  return { proc, url };
}

async function startPair(dataDir: string) {
  const env = { DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0', OBSERVABILITY: 'none', CHAOS: 'off' };
  const users = await startRole('users', env);
  const activities = await startRole('activities', { ...env, USERS_URL: users.url });
  return { users, activities };
}

/** Posts from `workers` concurrent clients until `stop()`; collects the uuids the service acknowledged. */
function postStream(url: string, workers: number) {
  const acknowledged: string[] = [];
  let stopped = false;
  let seq = 0;
  const worker = async () => {
    while (!stopped) {
      const n = ++seq;
      try {
        const res = await fetch(`${url}/api/activities`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ handle: 'grace', message: `stream ${n}` }),
        });
        const body = (await res.json()) as { uuid?: string };
        if (res.status === 201 && body.uuid) acknowledged.push(body.uuid);
      } catch {
        // The service is gone (reset or refused): whatever was in flight was never acknowledged.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const running = Array.from({ length: workers }, worker);
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
}

async function storedUuids(dataDir: string): Promise<Set<string>> {
  // Opening it also proves the dead process's lock is gone: a held lock would refuse this open.
  const driver = await openDriver({ dataDir, fileName: 'activities.sqlite' });
  try {
    const rows = await driver.query<{ uuid: string }>('SELECT uuid FROM activities');
    return new Set(rows.map((row) => row.uuid));
  } finally {
    await driver.close();
  }
}

describe.each(['SIGKILL', 'SIGTERM'] as const)(
  'the activities service stopped by %s mid-stream',
  (signal) => {
    it('loses no acknowledged post', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), `bakeoff-${signal.toLowerCase()}-`));
      const { users, activities } = await startPair(dataDir);
      const stream = postStream(activities.url, 8);
      while (stream.acknowledged.length < 150) await new Promise((resolve) => setTimeout(resolve, 20));

      activities.proc.child.kill(signal);
      await activities.proc.exited;
      await stream.stop();
      users.proc.child.kill('SIGTERM');
      await users.proc.exited;

      const stored = await storedUuids(dataDir);
      expect(stream.acknowledged.length).toBeGreaterThanOrEqual(150);
      expect(stream.acknowledged.filter((uuid) => !stored.has(uuid))).toEqual([]);
    });
  },
);

describe('a second process on the same DATA_DIR', () => {
  it('is refused with a clear error, and the first keeps every post it acknowledged', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-second-'));
    const { users, activities } = await startPair(dataDir);
    const stream = postStream(activities.url, 4);

    const second = spawnCli(['serve', '--role', 'activities', '--quiet'], {
      DATA_DIR: dataDir,
      PORT: '0',
      USERS_URL: users.url,
    });
    started.push(second);
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toContain('BAKEOFF_ERR_DATA_DIR_IN_USE');
    expect(second.output()).toContain(dataDir);
    expect(second.output()).toMatch(/another bakeoff process/);
    expect(second.output()).not.toMatch(/listening on/);

    while (stream.acknowledged.length < 50) await new Promise((resolve) => setTimeout(resolve, 20));
    await stream.stop();
    activities.proc.child.kill('SIGTERM');
    users.proc.child.kill('SIGTERM');
    await Promise.all([activities.proc.exited, users.proc.exited]);

    const stored = await storedUuids(dataDir);
    expect(stream.acknowledged.filter((uuid) => !stored.has(uuid))).toEqual([]);
  });
});
