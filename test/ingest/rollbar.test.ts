import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/** The real rollbar 3.1 notifier in a child process, against the sandbox's item route, asserted via the JSON API. */

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'rollbar-sdk.js');
const TOKEN = 'test-rollbar-token-0123456789abcdef';

interface ApiError {
  type: string;
  message: string;
  level?: string;
  frames: Array<{ function?: string; file?: string; line?: number; column?: number }>;
  traceId: string | null;
  runId: string | null;
  seq: number | null;
  attributes: Record<string, unknown>;
}

function runFixture(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'node',
      [FIXTURE],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`fixture failed: ${err.message}\n${stderr}`));
        else resolve();
      },
    );
  });
}

let sandbox: Sandbox;

async function errorsOf(run: string): Promise<ApiError[]> {
  const res = await fetch(`${sandbox.url}/api/errors?vendor=rollbar&run=${run}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ApiError[];
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  await runFixture({ ROLLBAR_ENDPOINT: `${sandbox.url}/api/1/item/` });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('rollbar 3.1 against the sandbox', () => {
  it('stores the TypeError with its message, innermost-first frames, nested custom fields and trace id', async () => {
    const [error] = await errorsOf('run-rollbar').then((all) => all.filter((e) => e.type === 'TypeError'));
    expect(error).toMatchObject({
      type: 'TypeError',
      message: 'activity.name must be a string',
      runId: 'run-rollbar',
      seq: 3,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(error.attributes).toMatchObject({ feature: 'activities', environment: 'test' });
    expect(error.frames[0]).toMatchObject({ function: 'validateActivity', file: FIXTURE });
    expect(error.frames[0].line).toBeGreaterThan(0);
  });

  it('stores the warning message (flat custom keys) and not the info message', async () => {
    const messages = (await errorsOf('run-rollbar')).filter((e) => e.type === 'message');
    expect(messages).toMatchObject([{ message: 'users service slow', runId: 'run-rollbar', seq: 4 }]);
    const all = await (await fetch(`${sandbox.url}/api/errors?vendor=rollbar`)).json();
    expect(JSON.stringify(all)).not.toContain('started');
  });

  it('accounts every item as a payload and never stores the access token', async () => {
    const vendors = (await (await fetch(`${sandbox.url}/api/vendors`)).json()) as Array<{
      vendor: string;
      payloads: number;
    }>;
    expect(vendors.find((v) => v.vendor === 'rollbar')?.payloads).toBe(3);
    expect(await (await fetch(`${sandbox.url}/api/export`)).text()).not.toContain(TOKEN);
  });
});

describe('Rollbar wire details', () => {
  const post = (body: string, headers: Record<string, string> = { 'x-rollbar-access-token': TOKEN }) =>
    fetch(`${sandbox.url}/api/1/item/`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('answers like Rollbar and strips a body access_token', async () => {
    const item = {
      access_token: 'body-token-secret',
      data: {
        uuid: '11111111-2222-4333-8444-555555555555',
        level: 'error',
        timestamp: 1_700_000_000,
        body: { trace: { exception: { class: 'RangeError', message: 'too far' }, frames: [] } },
        custom: { 'bakeoff.run_id': 'run-body-token', traceId: 'abc123' },
      },
    };
    const res = await post(JSON.stringify(item), {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ err: 0, result: { id: null, uuid: item.data.uuid } });
    const [error] = await errorsOf('run-body-token');
    expect(error).toMatchObject({ type: 'RangeError', message: 'too far', traceId: 'abc123' });
    expect(await (await fetch(`${sandbox.url}/api/export`)).text()).not.toContain('body-token-secret');
  });

  it.each([
    ['bad JSON', '{"data":', 400, /invalid JSON/],
    ['a JSON array', '[]', 400, /JSON object/],
    ['no data', '{}', 400, /'data'/],
    ['no body', '{"data":{"level":"error"}}', 400, /'data.body'/],
  ])('answers %s with err:1 and a message', async (_name, body, status, message) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { err: number; message: string };
    expect(json.err).toBe(1);
    expect(json.message).toMatch(message);
  });

  it('refuses an item without a token, and a body over the limit, and keeps serving', async () => {
    const noToken = await post('{"data":{"body":{"message":{"body":"x"}}}}', {});
    expect(noToken.status).toBe(401);
    const huge = await post(`{"data":"${'x'.repeat(11 * 1024 * 1024)}"}`);
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { err: number }).err).toBe(1);
    expect((await fetch(`${sandbox.url}/api/health`)).status).toBe(200);
  });
});

describe('a Rollbar client posting to a path the sandbox does not serve', () => {
  const WRONG_PATH_FIXTURE = path.join(__dirname, 'fixtures', 'rollbar-endpoint.js');

  it('answers in Rollbar error shape with the full path, so rollbar.js reports the failure', async () => {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        'node',
        [WRONG_PATH_FIXTURE],
        { env: { ...process.env, ROLLBAR_ENDPOINT: `${sandbox.url}/api/1/itemz/` }, timeout: 30_000 },
        (err, out, errOut) => (err ? reject(err) : resolve({ stdout: out, stderr: errOut })),
      ),
    );
    expect(JSON.parse(stdout)).toEqual({ callbackError: 'Api error: no route POST /api/1/itemz/' });
    expect(stderr).not.toContain('Successful api response');
  });

  it('keeps the JSON API 404 readable for its own clients (error field, query left out)', async () => {
    const res = await fetch(`${sandbox.url}/api/1/itemz/?access_token=${TOKEN}`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      err: 1,
      message: 'no route POST /api/1/itemz/',
      error: 'no route POST /api/1/itemz/',
    });
    const get = await fetch(`${sandbox.url}/api/nothing-here`);
    expect(((await get.json()) as { error: string }).error).toBe('no route GET /api/nothing-here');
  });
});

describe('info and debug items', () => {
  it('are kept as log lines of their level with their native bags, not dropped', async () => {
    const res = await fetch(`${sandbox.url}/api/logs?vendor=rollbar`);
    const logs = (await res.json()) as Array<{
      level: string;
      message: string;
      native: Record<string, Record<string, unknown>>;
    }>;
    const started = logs.find((l) => l.message === 'started');
    expect(started).toMatchObject({ level: 'info' });
    expect(started?.native.server).toMatchObject({ host: expect.any(String) });

    const debug = await fetch(`${sandbox.url}/api/1/item/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollbar-access-token': TOKEN },
      body: JSON.stringify({
        data: {
          level: 'debug',
          body: { message: { body: 'cache warmed' } },
          custom: { 'bakeoff.run_id': 'run-debug', 'bakeoff.seq': 9 },
          person: { id: '42' },
        },
      }),
    });
    expect(debug.status).toBe(200);
    const [line] = (await (
      await fetch(`${sandbox.url}/api/logs?vendor=rollbar&run=run-debug`)
    ).json()) as Array<Record<string, unknown>>;
    expect(line).toMatchObject({
      level: 'debug',
      message: 'cache warmed',
      seq: 9,
      native: { person: { id: '42' } },
    });
    expect(
      JSON.stringify(await (await fetch(`${sandbox.url}/api/errors?vendor=rollbar`)).json()),
    ).not.toContain('cache warmed');
  });
});
