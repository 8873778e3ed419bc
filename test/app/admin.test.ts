import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, type ServicePair, startPair } from '../helpers/services';

const TOKEN = 'test-admin-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let pair: ServicePair;

beforeAll(async () => {
  pair = await startPair({ ADMIN_TOKEN: TOKEN, CHAOS: 'off', CHAOS_SEED: '7' });
});
afterAll(async () => {
  await pair?.close();
});

async function putChaos(body: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${pair.url}/admin/chaos`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('admin chaos API', () => {
  it('refuses requests without the right bearer token', async () => {
    expect((await getJson(`${pair.url}/admin/chaos`)).status).toBe(401);
    expect((await getJson(`${pair.url}/admin/chaos`, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await putChaos({ scenario: 'bootcamp' }, {})).status).toBe(401);
  });

  it('shows the active scenario and the shipped ones', async () => {
    const { status, body } = await getJson(`${pair.url}/admin/chaos`, auth);
    expect(status).toBe(200);
    expect(body).toMatchObject({ scenario: { name: 'off' }, seed: 7 });
    expect(body.available).toContain('incident');
  });

  it('switches the scenario, changing the very next request', async () => {
    const before = await postJson(`${pair.url}/api/activities`, { handle: 'ada', message: 'before' });
    expect(before.headers.get('x-bakeoff-chaos')).toBeNull();
    const put = await putChaos({ scenario: 'bootcamp' });
    expect(put.status).toBe(200);
    expect(put.body.propagated).toEqual({ users: 'applied' });
    const after = await postJson(
      `${pair.url}/api/activities`,
      { handle: 'ada', message: 'after' },
      { 'x-bakeoff-seq': '3' },
    );
    expect(after.status).toBe(201);
    expect(after.headers.get('x-bakeoff-chaos')).toMatch(/^rule=create-activity-sleep;delay_ms=\d+$/);
  });

  it('toggles the downstream auth failure: users answers 401, activities answers a stack-free 500', async () => {
    expect((await putChaos({ usersAuthFailureRate: 1 })).status).toBe(200);
    const failed = await getJson(`${pair.url}/api/activities/home`);
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({
      error: 'Users service rejected our credentials',
      status: 500,
      upstream: 'users',
      upstreamStatus: 401,
    });
    expect(JSON.stringify(failed.body)).not.toMatch(/ at |\.ts:|\.js:/);
    expect((await putChaos({ usersAuthFailureRate: 0 })).status).toBe(200);
    expect((await getJson(`${pair.url}/api/activities/home`)).status).toBe(200);
  });

  it('rejects an invalid update with a message and keeps the current scenario', async () => {
    const bad = await putChaos({ scenario: 'no-such-scenario' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/Unknown chaos scenario/);
    const odd = await putChaos({ seed: 'x' });
    expect(odd.status).toBe(400);
    expect((await getJson(`${pair.url}/admin/chaos`, auth)).body.scenario.name).toBe('bootcamp');
  });
});

describe('admin API without a token configured', () => {
  it('is disabled, not open', async () => {
    const open = await startPair();
    try {
      expect((await getJson(`${open.url}/admin/chaos`)).status).toBe(404);
      expect((await getJson(`${open.url}/admin/chaos`, auth)).status).toBe(404);
    } finally {
      await open.close();
    }
  });
});
