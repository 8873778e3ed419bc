import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * winston-cloudwatch re-describes and re-creates its stream whenever DescribeLogStreams does not list it or
 * PutLogEvents returns no token; against a sandbox that got either wrong it loops thousands of times a
 * second. One minute of steady logging (a line every 100 ms, the acceptance's figure) must cost a bounded
 * number of control-plane calls. Alone in this file so nothing else competes for the minute.
 */

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'cloudwatch-sdk.js');
const DURATION_MS = 60_000;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});

it(
  'logs every ~100 ms for 60 s with a bounded number of Describe/Create calls',
  async () => {
    const { lines } = await new Promise<{ lines: number }>((resolve, reject) => {
      const env = {
        ...process.env,
        CW_ENDPOINT: sandbox.url,
        CW_GROUP: 'steady-group',
        CW_STREAM: 'steady-stream',
        CW_MODE: 'steady',
        CW_INTERVAL_MS: '100',
        CW_DURATION_MS: String(DURATION_MS),
      };
      execFile('node', [FIXTURE], { env, timeout: DURATION_MS + 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`fixture failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as { lines: number });
      });
    });

    const payloads = (await (await fetch(`${sandbox.url}/api/payloads?vendor=cloudwatch`)).json()) as Array<{
      route: string;
      logs: number;
    }>;
    const count = (op: string) => payloads.filter((p) => p.route.endsWith(`.${op}`)).length;
    const control = payloads.filter((p) => /\.(Describe|Create)/.test(p.route)).length;

    // The expected sequence is Describe → CreateLogGroup → Describe → CreateLogStream → Describe, then one
    // more Describe after kthxbye() drops the cached token; 10 leaves room without admitting a loop.
    expect(count('CreateLogGroup')).toBe(1);
    expect(count('CreateLogStream')).toBe(1);
    expect(control).toBeLessThanOrEqual(10);
    expect(lines).toBeGreaterThan(100);
    expect(payloads.reduce((n, p) => n + p.logs, 0)).toBe(lines);
  },
  DURATION_MS + 60_000,
);
