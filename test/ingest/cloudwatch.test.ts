import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * winston + winston-cloudwatch 6.3 (AWS SDK v3) in a child process against the sandbox's CloudWatch Logs
 * endpoint, asserted via the JSON API; then the JSON 1.1 protocol's answers to bad and edge-case calls.
 */

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'cloudwatch-sdk.js');

interface ApiLog {
  timestamp: number;
  level: string;
  message: string;
  traceId: string | null;
  runId: string | null;
  seq: number | null;
  group: string | null;
  stream: string | null;
}

function runFixture(env: Record<string, string>): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'node',
      [FIXTURE],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`fixture failed: ${err.message}\n${stderr}`));
        else resolve({ stderr });
      },
    );
  });
}

let sandbox: Sandbox;

async function call(op: string, body: unknown, target = `Logs_20140328.${op}`) {
  const res = await fetch(`${sandbox.url}/`, {
    method: 'POST',
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('winston-cloudwatch 6.3 against the sandbox', () => {
  let stderr: string;
  beforeAll(async () => {
    ({ stderr } = await runFixture({
      CW_ENDPOINT: sandbox.url,
      CW_GROUP: '/bakeoff/activities',
      CW_STREAM: 'instance-1',
      CW_MODE: 'burst',
    }));
  });

  it('delivers every line with group, stream, level, message and parsed fields', async () => {
    // The AWS SDK prints a Node-version notice on stderr; errors from the transport would show here too.
    expect(stderr).not.toContain('winston-cloudwatch error');
    const logs = (await (await fetch(`${sandbox.url}/api/logs?vendor=cloudwatch`)).json()) as ApiLog[];
    const byMessage = new Map(logs.map((l) => [l.message, l]));
    expect(logs.every((l) => l.group === '/bakeoff/activities' && l.stream === 'instance-1')).toBe(true);
    expect(byMessage.get('activity created')).toMatchObject({
      level: 'info',
      runId: 'run-cw',
      seq: 1,
      traceId: 'aaaabbbbccccdddd0000111122223333',
    });
    expect(byMessage.get('users service slow')).toMatchObject({
      level: 'warn',
      runId: 'run-cw',
      seq: 2,
      traceId: '11112222333344445555666677778888',
    });
    expect(byMessage.get('store write failed')).toMatchObject({
      level: 'error',
      seq: 3,
      traceId: '1234567890123',
    });
    expect(byMessage.get('cache miss')).toMatchObject({
      level: 'debug',
      traceId: '1-5759e988-bd862e3fe1be46a994272793',
    });
    expect(logs).toHaveLength(4);
  });

  it('lists the group and the stream it created, with a sequence token', async () => {
    const groups = await call('DescribeLogGroups', { logGroupNamePrefix: '/bakeoff/' });
    expect(groups.json.logGroups).toMatchObject([{ logGroupName: '/bakeoff/activities' }]);
    const streams = await call('DescribeLogStreams', { logGroupName: '/bakeoff/activities' });
    expect(streams.json.logStreams).toMatchObject([
      { logStreamName: 'instance-1', uploadSequenceToken: expect.stringMatching(/^\d+$/) },
    ]);
  });

  it('never stores the SigV4 credentials or signature', async () => {
    const exported = await (await fetch(`${sandbox.url}/api/export`)).text();
    expect(exported).not.toContain('AKIDEXAMPLE');
    expect(exported).not.toContain('Signature=');
  });
});

describe('CloudWatch Logs protocol answers', () => {
  beforeAll(async () => {
    expect((await call('CreateLogGroup', { logGroupName: 'proto' })).status).toBe(200);
    expect((await call('CreateLogStream', { logGroupName: 'proto', logStreamName: 's1' })).status).toBe(200);
  });

  it('answers an existing group and stream with ResourceAlreadyExistsException', async () => {
    expect(await call('CreateLogGroup', { logGroupName: 'proto' })).toEqual({
      status: 400,
      json: { __type: 'ResourceAlreadyExistsException', message: 'The specified log group already exists' },
    });
    const again = await call('CreateLogStream', { logGroupName: 'proto', logStreamName: 's1' });
    expect(again.json.__type).toBe('ResourceAlreadyExistsException');
  });

  it('answers unknown groups and streams with ResourceNotFoundException', async () => {
    const stream = await call('CreateLogStream', { logGroupName: 'nope', logStreamName: 's' });
    expect(stream).toMatchObject({ status: 400, json: { __type: 'ResourceNotFoundException' } });
    const put = await call('PutLogEvents', {
      logGroupName: 'proto',
      logStreamName: 'missing',
      logEvents: [{ timestamp: Date.now(), message: 'x' }],
    });
    expect(put.json).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
  });

  it('accepts a sorted batch, returns a new token, and stores plain-text lines too', async () => {
    const now = Date.now();
    const put = await call('PutLogEvents', {
      logGroupName: 'proto',
      logStreamName: 's1',
      logEvents: [
        { timestamp: now, message: 'error - disk full' },
        { timestamp: now + 1, message: 'not json {' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.json.nextSequenceToken).toMatch(/^\d+$/);
    const logs = (await (await fetch(`${sandbox.url}/api/logs?vendor=cloudwatch`)).json()) as ApiLog[];
    const proto = logs.filter((l) => l.group === 'proto').sort((a, b) => a.timestamp - b.timestamp);
    expect(proto.map((l) => [l.level, l.message])).toEqual([
      ['error', 'disk full'],
      ['info', 'not json {'],
    ]);
  });

  it.each([
    [
      'unsorted events',
      'PutLogEvents',
      {
        logEvents: [
          { timestamp: 2, message: 'b' },
          { timestamp: 1, message: 'a' },
        ],
      },
      'InvalidParameterException',
      /chronological/,
    ],
    ['an empty batch', 'PutLogEvents', { logEvents: [] }, 'InvalidParameterException', /logEvents/],
    [
      'a batch over 1 MiB',
      'PutLogEvents',
      {
        logEvents: Array.from({ length: 5 }, (_, i) => ({
          timestamp: Date.now() + i,
          message: 'x'.repeat(250_000),
        })),
      },
      'InvalidParameterException',
      /too large/,
    ],
    [
      'a bad retention',
      'PutRetentionPolicy',
      { retentionInDays: 2 },
      'InvalidParameterException',
      /retentionInDays/,
    ],
    ['a bad limit', 'DescribeLogStreams', { limit: 0 }, 'InvalidParameterException', /limit/],
    ['an unknown operation', 'FrobnicateLogs', {}, 'UnknownOperationException', /FrobnicateLogs/],
    ['a body that is not JSON', 'DescribeLogGroups', '{nope', 'SerializationException', /not valid JSON/],
  ])('answers %s with 400 %s', async (_name, op, body, type, message) => {
    const payload = typeof body === 'string' ? body : { logGroupName: 'proto', logStreamName: 's1', ...body };
    const res = await call(op, payload);
    expect(res.status).toBe(400);
    expect(res.json.__type).toBe(type);
    expect(String(res.json.message)).toMatch(message);
  });

  it('answers AWS JSON without a Logs target with UnknownOperationException', async () => {
    const res = await call('DescribeLogGroups', {}, '');
    expect(res).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException' } });
  });

  it('pages DescribeLogStreams with limit and nextToken, filtered by prefix', async () => {
    for (const name of ['s2', 's3', 'other'])
      await call('CreateLogStream', { logGroupName: 'proto', logStreamName: name });
    const first = await call('DescribeLogStreams', {
      logGroupName: 'proto',
      logStreamNamePrefix: 's',
      limit: 2,
    });
    expect((first.json.logStreams as Array<{ logStreamName: string }>).map((s) => s.logStreamName)).toEqual([
      's1',
      's2',
    ]);
    const next = await call('DescribeLogStreams', {
      logGroupName: 'proto',
      logStreamNamePrefix: 's',
      limit: 2,
      nextToken: first.json.nextToken,
    });
    expect(next.json).toMatchObject({ logStreams: [{ logStreamName: 's3' }] });
    expect(next.json.nextToken).toBeUndefined();
    expect((await call('PutRetentionPolicy', { logGroupName: 'proto', retentionInDays: 7 })).status).toBe(
      200,
    );
    expect((await fetch(`${sandbox.url}/api/health`)).status).toBe(200);
  });
});
