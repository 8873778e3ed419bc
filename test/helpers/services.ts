/** Starts the users and activities services in this process on ephemeral ports, with a fresh data dir. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Adapter } from '../../adapters/types';
import { type RunningService, startService } from '../../app/service';
import { loadConfig } from '../../config/env';

export interface ServicePair {
  activities: RunningService;
  users: RunningService;
  dataDir: string;
  /** Base URL of the activities API. */
  url: string;
  close(): Promise<void>;
}

export async function startPair(
  env: Record<string, string> = {},
  adapters: { activities?: Adapter[]; users?: Adapter[] } = {},
): Promise<ServicePair> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'bakeoff-test-'));
  const base = { DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0', ...env };
  const users = await startService('users', loadConfig(base), adapters.users ?? [], { quiet: true });
  const activities = await startService(
    'activities',
    loadConfig({ ...base, USERS_URL: users.url }),
    adapters.activities ?? [],
    { quiet: true },
  );
  return {
    activities,
    users,
    dataDir,
    url: activities.url,
    close: async () => {
      await activities.close();
      await users.close();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}
