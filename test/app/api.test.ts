import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServiceToken } from '../../app/service-token';
import { getJson, postJson, type ServicePair, startPair } from '../helpers/services';

let pair: ServicePair;
beforeAll(async () => {
  pair = await startPair();
});
afterAll(async () => {
  await pair?.close();
});

describe('activities API', () => {
  it('serves the seeded home feed with author profiles fetched from the users service', async () => {
    const { status, body, headers } = await getJson(`${pair.url}/api/activities/home`);
    expect(status).toBe(200);
    expect(headers.get('x-powered-by')).toBeNull();
    expect(body.activities.length).toBeGreaterThan(3);
    for (const activity of body.activities) {
      expect(activity.display_name).toEqual(expect.any(String));
      expect(activity.reply_to_activity_uuid).toBeNull();
    }
  });

  it('creates an activity that then shows in the home and user feeds', async () => {
    const created = await postJson(`${pair.url}/api/activities`, {
      handle: 'grace',
      message: 'from the api test',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      handle: 'grace',
      message: 'from the api test',
      display_name: expect.any(String),
    });
    const home = await getJson(`${pair.url}/api/activities/home`);
    expect(home.body.activities[0].uuid).toBe(created.body.uuid);
    const feed = await getJson(`${pair.url}/api/activities/@grace`);
    expect(feed.status).toBe(200);
    expect(feed.body.user.handle).toBe('grace');
    expect(feed.body.activities.map((a: { uuid: string }) => a.uuid)).toContain(created.body.uuid);
  });

  it('replies to an activity and counts the reply on its parent', async () => {
    const parent = await postJson(`${pair.url}/api/activities`, {
      handle: 'ada',
      message: 'reply to me',
      ttl: '7-days',
    });
    expect(parent.body.expires_at).not.toBeNull();
    const reply = await postJson(`${pair.url}/api/activities/${parent.body.uuid}/reply`, {
      handle: 'linus',
      message: 'a reply',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.reply_to_activity_uuid).toBe(parent.body.uuid);
    const home = await getJson(`${pair.url}/api/activities/home`);
    const shown = home.body.activities.find((a: { uuid: string }) => a.uuid === parent.body.uuid);
    expect(shown.replies_count).toBe(1);
  });

  it('searches messages, treating SQL and LIKE metacharacters as text', async () => {
    const odd = `50% off_'; DROP TABLE activities; --`;
    expect((await postJson(`${pair.url}/api/activities`, { handle: 'ken', message: odd })).status).toBe(201);
    const hit = await getJson(`${pair.url}/api/activities/search?term=${encodeURIComponent("off_'; DROP")}`);
    expect(hit.status).toBe(200);
    expect(hit.body.activities.map((a: { message: string }) => a.message)).toEqual([odd]);
    const none = await getJson(`${pair.url}/api/activities/search?term=${encodeURIComponent('%_%')}`);
    expect(none.body.activities).toEqual([]);
    expect((await getJson(`${pair.url}/api/activities/home`)).status).toBe(200);
  });

  it('reports store and users-service reachability on the health check', async () => {
    const { status, body } = await getJson(`${pair.url}/api/health-check`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', store: { ok: true, driver: 'sqlite' }, users: { ok: true } });
  });

  it('answers unknown routes and users with JSON 404s', async () => {
    const route = await getJson(`${pair.url}/api/nope`);
    expect(route.status).toBe(404);
    expect(route.body.error).toMatch(/No route for GET \/api\/nope/);
    const user = await getJson(`${pair.url}/api/activities/@nobody`);
    expect(user.status).toBe(404);
    expect(user.body.error).toMatch(/nobody/);
  });
});

describe('users service', () => {
  it('serves profiles singly and in batches to callers with the service token only', async () => {
    // No SERVICE_TOKEN: the two services share the one generated in their data directory.
    const token = {
      'x-service-token': resolveServiceToken({ serviceToken: undefined, dataDir: pair.dataDir }).value,
    };
    const one = await getJson(`${pair.users.url}/api/users/ada`, token);
    expect(one.body).toMatchObject({ handle: 'ada', displayName: expect.any(String) });
    const batch = await getJson(`${pair.users.url}/api/users?handles=ada,grace,nobody`, token);
    expect(batch.body.users.map((u: { handle: string }) => u.handle).sort()).toEqual(['ada', 'grace']);
    const denied = await getJson(`${pair.users.url}/api/users/ada`);
    expect(denied.status).toBe(401);
  });
});
