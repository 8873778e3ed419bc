import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { eventually, SEEDED_UUID, type Stack, startStack } from './harness';
import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'rollbar',
  vendor: 'rollbar',
  signals: { traces: false, errors: true, logs: false },
});

const FIXTURE = path.resolve(__dirname, '../fixtures/rollbar-adapter.js');

interface StoredError {
  type: string;
  message: string;
  level: string;
  frames: unknown[];
  traceId: string | null;
  runId: string | null;
  seq: number | null;
  attributes: Record<string, unknown>;
  native: {
    request: Record<string, unknown>;
    person: Record<string, unknown>;
    custom: Record<string, unknown>;
  };
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runFixture(sandboxUrl: string, mode: string): Promise<Exit> {
  const child: ChildProcess = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ROLLBAR_ACCESS_TOKEN: '', SANDBOX_URL: sandboxUrl, MODE: mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('rollbar adapter items', () => {
  let sandbox: Sandbox;
  const errors = async () => {
    const res = await fetch(`${sandbox.url}/api/errors?vendor=rollbar`);
    return (await res.json()) as StoredError[];
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('carries the request, person, correlation, fault and a tracer’s trace id; a warning for a 4xx fault', async () => {
    const exit = await runFixture(sandbox.url, 'capture');
    expect(exit.stdout).toBe('{"done":true}');
    const item = (await errors()).find((e) => e.type === 'TypeError');
    expect(item, 'item in the sandbox after shutdown()').toBeDefined();
    expect(item!.level).toBe('warning');
    expect(item!.frames.length).toBeGreaterThan(0);
    expect([item!.runId, item!.seq]).toEqual(['run-fixture', 7]);
    expect(item!.traceId).toBe('1-6b0283e9-880243a0bdfd5e14ae193003');
    expect(item!.attributes.context).toBe('POST /api/activities/:uuid/reply');
    expect(item!.native.person).toEqual({ id: 'ada' });
    expect(item!.native.request).toMatchObject({
      method: 'POST',
      url: 'http://fixture/api/activities/abc/reply?x=1',
    });
    expect(item!.native.custom).toMatchObject({
      service: 'fixture',
      bakeoff: { run_id: 'run-fixture', seq: 7 },
      chaos: { fault: 'reply-fault' },
    });
  });

  for (const [mode, type] of [
    ['uncaught', 'RangeError'],
    ['rejection', 'SyntaxError'],
  ] as const) {
    it(`reports a crash (${mode}) as critical and still crashes with exit code 1 and the stack on stderr`, async () => {
      const exit = await runFixture(sandbox.url, mode);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toContain(`${type}: crash from a`);
      const item = (await errors()).find((e) => e.type === type);
      expect(item?.level).toBe('critical');
    });
  }
});

describe('xray and rollbar in one process', () => {
  let stack: Stack;
  const exits: Array<number | null> = [];

  beforeAll(async () => {
    stack = await startStack({ observability: 'xray,rollbar' });
    await stack.request('GET', '/api/activities/home', 1);
    await stack.request('POST', `/api/activities/${SEEDED_UUID}/reply`, 2, {
      handle: 'ada',
      message: 'fails',
    });
    for (const e of await stack.stop()) exits.push(e.code);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('traces in X-Ray and reports to Rollbar the same failing request, and exits cleanly', async () => {
    expect(exits).toEqual([0, 0]);
    const traces = await eventually(async () => {
      const list = await stack.api<
        Array<{ traceId: string; seq: number; error: boolean; services: string[] }>
      >(`/api/traces?vendor=xray&run=${stack.runId}`);
      return list.length === 2 ? list : undefined;
    });
    expect(traces.find((t) => t.seq === 1)?.services).toEqual(
      expect.arrayContaining(['activities', 'users']),
    );
    expect(traces.find((t) => t.seq === 2)?.error).toBe(true);
    const items = await eventually(async () => {
      const list = await stack.api<StoredError[]>(`/api/errors?vendor=rollbar&run=${stack.runId}`);
      return list.length > 0 ? list : undefined;
    });
    expect(items.map((e) => [e.type, e.seq])).toEqual([['ConformanceFault', 2]]);
  });
});
