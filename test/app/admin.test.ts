import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, type ServicePair, startPair } from '../helpers/services';

const TOKEN = 'test-admin-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let pair: ServicePair;

/** Stands for what a readable file must never give away: a credential's key id and secret. */
const SECRET = 'AKIAEXAMPLESECRET0042';
/** A readable file outside any scenarios directory: a valid scenario even, so only the path rule refuses it. */
const OUTSIDE = mkdtempSync(path.join(tmpdir(), 'bakeoff-outside-'));
writeFileSync(
  path.join(OUTSIDE, 'stolen.yaml'),
  `name: stolen\ndescription: ${SECRET}\nrules: [{ name: r, route: "GET /api/activities/home", latency: { dist: fixed, ms: 1 } }]\n`,
);
writeFileSync(
  path.join(OUTSIDE, 'credentials'),
  `[default]\naws_access_key_id = ${SECRET}\naws_secret_access_key: ${SECRET}/x\n`,
);
/** The operator's scenarios directory (CHAOS_DIR): one good scenario, and two broken ones holding the secret. */
const CHAOS_DIR = mkdtempSync(path.join(tmpdir(), 'bakeoff-chaos-dir-'));
writeFileSync(
  path.join(CHAOS_DIR, 'custom.yaml'),
  'name: custom\nrules: [{ name: slow-home, route: "GET /api/activities/home", latency: { dist: fixed, ms: 5 } }]\n',
);
writeFileSync(path.join(CHAOS_DIR, 'broken.yaml'), `name: broken\nroot:${SECRET}:19000\n  - x: [\n`);
writeFileSync(path.join(CHAOS_DIR, 'unknown-key.yaml'), `name: unknown-key\n${SECRET}: 1\n`);

beforeAll(async () => {
  pair = await startPair({ ADMIN_TOKEN: TOKEN, CHAOS: 'off', CHAOS_SEED: '7', CHAOS_DIR });
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
    expect(put.body.propagated).toMatchObject({ users: 'applied' });
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

describe('admin chaos API and files', () => {
  it.each([
    ['an absolute path to a valid scenario', path.join(OUTSIDE, 'stolen.yaml')],
    ['an absolute path to a credentials file', path.join(OUTSIDE, 'credentials')],
    ['a relative path out of the scenarios directory', `../../../../../..${OUTSIDE}/stolen`],
    ['a path into the scenarios directory', `${CHAOS_DIR}/custom.yaml`],
    ['/etc/passwd', '/etc/passwd'],
  ])('refuses %s: names only, nothing read, nothing echoed', async (_name, scenario) => {
    const before = (await getJson(`${pair.url}/admin/chaos`, auth)).body.scenario;
    const res = await putChaos({ scenario });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/given by name.*not a path/);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(JSON.stringify(res.body)).not.toMatch(/root:/);
    expect((await getJson(`${pair.url}/admin/chaos`, auth)).body.scenario).toEqual(before);
  });

  it('switches to a scenario of the configured CHAOS_DIR by name, and lists it', async () => {
    const put = await putChaos({ scenario: 'custom' });
    expect(put.status).toBe(200);
    expect(put.body.scenario.name).toBe('custom');
    expect(put.body.available).toEqual(expect.arrayContaining(['custom', 'incident', 'off']));
    expect(put.body.propagated).toMatchObject({ users: 'applied' });
    expect((await putChaos({ scenario: 'off' })).status).toBe(200);
  });

  it('reports a broken scenario file by position, never by what it holds', async () => {
    const yaml = await putChaos({ scenario: 'broken' });
    expect(yaml.status).toBe(400);
    expect(yaml.body.error).toMatch(
      /Invalid chaos scenario "broken": not valid YAML \(line \d+, column \d+\)/,
    );
    const keys = await putChaos({ scenario: 'unknown-key' });
    expect(keys.status).toBe(400);
    expect(keys.body.error).toMatch(/Invalid chaos scenario "unknown-key": \(root\): unknown field/);
    for (const res of [yaml, keys]) expect(JSON.stringify(res.body)).not.toContain(SECRET);
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
