import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_QUEUED_LINES } from '../../adapters/cloudwatch';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { eventually, SEEDED_UUID, type Stack, startStack } from './harness';
import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'cloudwatch',
  vendor: 'cloudwatch',
  signals: { traces: false, errors: false, logs: true },
});

// With Honeycomb in the same process, every request's log line carries the OTel trace id of that request.
describe('cloudwatch next to honeycomb', () => {
  let stack: Stack | undefined;
  afterAll(async () => {
    await stack?.close();
  });

  it('stamps each log line, error lines included, with the trace id Honeycomb recorded for the request', async () => {
    stack = await startStack({ observability: 'honeycomb,cloudwatch' });
    expect((await stack.request('GET', '/api/activities/home', 1)).status).toBe(200);
    const failing = await stack.request('POST', `/api/activities/${SEEDED_UUID}/reply`, 2, {
      handle: 'ada',
      message: 'x',
    });
    expect(failing.status).toBe(500);
    expect((await stack.stop()).map((e) => e.code)).toEqual([0, 0]);
    const s = stack;
    const traces = await eventually(async () => {
      const list = await s.api<Array<{ seq: number; traceId: string }>>(
        `/api/traces?vendor=honeycomb&run=${s.runId}`,
      );
      return list.length >= 2 ? list : undefined;
    });
    const traceOf = (seq: number) => traces.find((t) => t.seq === seq)?.traceId;
    const logs = await eventually(async () => {
      const list = await s.api<Array<{ seq: number; message: string; traceId: string | null }>>(
        `/api/logs?vendor=cloudwatch&run=${s.runId}`,
      );
      return list.length >= 5 ? list : undefined;
    });
    // Home: the activities line and the users service's line (propagation crossed the process boundary).
    const home = logs.filter((l) => l.seq === 1);
    expect(home.map((l) => l.message).sort()).toEqual(['GET /api/activities/home 200', 'GET /api/users 200']);
    expect(home.map((l) => l.traceId)).toEqual([traceOf(1), traceOf(1)]);
    // Failing: the request line, the app's error line and the adapter's captureError line.
    const failed = logs.filter((l) => l.seq === 2);
    expect(failed.length).toBe(3);
    expect(failed.every((l) => l.traceId === traceOf(2))).toBe(true);
  }, 60_000);
});

const FIXTURE = path.resolve(__dirname, '../fixtures/cloudwatch-adapter-outage.js');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('cloudwatch queue during an outage', () => {
  let sandbox: Sandbox | undefined;
  afterAll(async () => {
    await sandbox?.close();
  });

  it('keeps the newest lines up to its cap, reports once, and delivers them when CloudWatch is back', async () => {
    const port = await freePort();
    const run = `cw-outage-${process.pid}`;
    const lines = MAX_QUEUED_LINES + 2000;
    const child = spawn(process.execPath, [FIXTURE], {
      env: {
        PATH: process.env.PATH,
        CW_SANDBOX: `http://127.0.0.1:${port}`,
        CW_LINES: String(lines),
        CW_RUN: run,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    while (!stdout.includes('logged')) {
      if (child.exitCode !== null) throw new Error(`fixture exited early:\n${stderr}`);
      await sleep(50);
    }
    // Let a few uploads fail against the closed port (uploads run every second).
    await sleep(3500);
    sandbox = await startSandbox({ port, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
    child.stdin.write('flush\n');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toContain('done');

    const res = await fetch(`${sandbox.url}/api/logs?vendor=cloudwatch&run=${run}&limit=100000`);
    const logs = (await res.json()) as Array<{ seq: number }>;
    const seqs = logs.map((l) => l.seq).sort((a, b) => a - b);
    expect(seqs.length).toBe(MAX_QUEUED_LINES);
    expect(seqs[0]).toBe(lines - MAX_QUEUED_LINES + 1);
    expect(seqs[seqs.length - 1]).toBe(lines);
    // Each kind of trouble is reported once, however many uploads failed; the library's own per-upload
    // stack traces (retention policy) never appear.
    expect(stderr.match(/queue full/g)).toHaveLength(1);
    expect(stderr.match(/upload failed/g)).toHaveLength(1);
    expect(stderr).not.toMatch(/failed to set retention policy/);
  }, 60_000);
});
