/**
 * Chaos and load from the sandbox (issue 14) against a real pair of services: whether their admin API is
 * enabled, a link to their chaos page, a seeded `bakeoff load` run (the built CLI, spawned) with its progress,
 * and the request guard on the state-changing routes. Needs `npm run build` (the CLI under dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { freePort } from '../helpers/ports';
import { type ServicePair, startPair } from '../helpers/services';

// Response bodies are untyped JSON, asserted field by field below.
type Json = any;

let sandbox: Sandbox;
let withAdmin: ServicePair;
let withoutAdmin: ServicePair;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  withAdmin = await startPair({ ADMIN_TOKEN: 'test-admin-token-0123456789' });
  withoutAdmin = await startPair({});
});

afterAll(async () => {
  await fetch(`${sandbox.url}/api/control/load`, { method: 'DELETE' }).catch(() => undefined);
  await withAdmin?.close();
  await withoutAdmin?.close();
  await sandbox?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${sandbox.url}${path}`);
  return { status: res.status, body: (await res.json()) as Json };
};
const post = async (body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${sandbox.url}/api/control/load`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
};

async function untilEnded(): Promise<Json> {
  for (;;) {
    const { body } = await get('/api/control/load');
    if (body.state !== 'running') return body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('chaos and load from the sandbox', () => {
  it("links to the services' chaos page when their admin API is enabled", async () => {
    const { body } = await get(`/api/control/services?target=${encodeURIComponent(withAdmin.url)}`);
    expect(body).toEqual({
      target: withAdmin.url,
      reachable: true,
      admin: 'enabled',
      chaosPage: `${withAdmin.url}/admin`,
      hint: null,
    });
  });

  it('says how to enable the admin API when it is disabled, and when nothing answers', async () => {
    const disabled = await get(`/api/control/services?target=${encodeURIComponent(withoutAdmin.url)}`);
    expect(disabled.body).toMatchObject({ reachable: true, admin: 'disabled', chaosPage: null });
    expect(disabled.body.hint).toContain('ADMIN_TOKEN');
    const down = await get(`/api/control/services?target=http://127.0.0.1:${await freePort()}`);
    expect(down.body).toMatchObject({ reachable: false, chaosPage: null });
    expect(down.body.hint).toContain('npx bakeoff serve');
  });

  it('runs a seeded load against the pair and reports its progress to the end', async () => {
    const started = await post({
      target: withoutAdmin.url,
      requests: 12,
      seed: 7,
      concurrency: 2,
      run: 'ui-load-test',
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'running', run: 'ui-load-test', requests: 12 });
    const ended = await untilEnded();
    expect(ended).toMatchObject({ state: 'done', run: 'ui-load-test', requests: 12, sent: 12, error: null });
    expect(ended.summary.requests).toBe(12);
  });

  it('runs one load at a time, and stops one on request', async () => {
    const first = await post({ target: withoutAdmin.url, requests: 100000, concurrency: 1, run: 'long-one' });
    expect(first.status).toBe(202);
    const second = await post({ target: withoutAdmin.url, requests: 5 });
    expect(second.status).toBe(409);
    expect(second.body.error).toContain('long-one');
    const stop = await fetch(`${sandbox.url}/api/control/load`, { method: 'DELETE' });
    expect(stop.status).toBe(200);
    expect((await untilEnded()).state).toBe('stopped');
  });

  it('refuses bad input with a 400, and other web origins with a 403', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ requests: 0 }, /"requests" must be a whole number from 1/],
      [{ target: 'file:///etc/passwd' }, /target must be an http/],
      [{ target: 'http://user:pw@127.0.0.1:4567' }, /must not carry a user name/],
      [{ run: 'a b' }, /"run" may hold only/],
      [[1, 2], /send a JSON object/],
    ];
    for (const [body, message] of bad) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    expect((await get('/api/control/services?target=ftp://x')).status).toBe(400);
    const foreign = await post({ target: withoutAdmin.url }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await get('/api/control/load')).body.state).not.toBe('running');
  });
});
