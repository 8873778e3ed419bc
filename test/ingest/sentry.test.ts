import { execFile } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/** The real @sentry/node 11 SDK in a child process, against the sandbox's Sentry routes, asserted via the JSON API. */

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'sentry-sdk.js');
const KEY = 'f00dfeedf00dfeedf00dfeedf00dfeed';

interface FixtureIds {
  mode: string;
  traceId: string;
  parentId: string;
  childId: string;
  flushed: boolean;
}

function runFixture(env: Record<string, string>): Promise<FixtureIds> {
  return new Promise((resolve, reject) => {
    execFile(
      'node',
      [FIXTURE],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`fixture failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as FixtureIds);
      },
    );
  });
}

let sandbox: Sandbox;

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${sandbox.url}${p}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface ApiSpan {
  spanId: string;
  parentId: string | null;
  name: string;
  service: string;
  durationMs: number;
  attributes: Record<string, unknown>;
  status: string;
  kind: string;
}
interface ApiError {
  type: string;
  message: string;
  frames: Array<{ function?: string; file?: string; line?: number; column?: number }>;
  traceId: string | null;
  runId: string | null;
  seq: number | null;
  attributes: Record<string, unknown>;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});

const dsn = (project: string) => `${sandbox.url.replace('http://', `http://${KEY}@`)}/${project}`;

describe.each(['stream', 'static'])('@sentry/node 11 in %s mode', (mode) => {
  let ids: FixtureIds;
  beforeAll(async () => {
    ids = await runFixture({ SENTRY_DSN: dsn(mode === 'stream' ? '11' : '12'), SENTRY_MODE: mode });
    expect(ids.flushed).toBe(true);
  });

  it('stores the parent and child span with their link, names, service and attributes', async () => {
    const trace = await api<{ spans: ApiSpan[] }>(`/api/traces/sentry/${ids.traceId}`);
    const parent = trace.spans.find((s) => s.spanId === ids.parentId);
    const child = trace.spans.find((s) => s.spanId === ids.childId);
    expect(parent).toMatchObject({
      name: 'GET /activities',
      parentId: null,
      service: 'activities',
      kind: 'server',
    });
    expect(parent?.attributes).toMatchObject({ 'bakeoff.run_id': 'run-sentry', 'bakeoff.seq': 7 });
    expect(child).toMatchObject({
      name: 'store.listActivities',
      parentId: ids.parentId,
      service: 'activities',
    });
    expect(child?.attributes).toMatchObject({
      'db.rows': 3,
      'store.kind': 'sqljs',
      cached: false,
      'sentry.op': 'db',
    });
    expect(child?.status).toBe('ok');
    expect(child?.durationMs).toBeGreaterThan(0);
    // Which wire shape arrived proves the mode: streamed spans carry the lifecycle attribute.
    expect(child?.attributes['sentry.trace_lifecycle']).toBe(mode === 'stream' ? 'stream' : undefined);
  });

  it('stores the captured error with type, message, innermost-first frames, tags and trace link', async () => {
    const errors = await api<ApiError[]>(`/api/errors?vendor=sentry&run=run-sentry`);
    const error = errors.find((e) => e.traceId === ids.traceId);
    expect(error).toMatchObject({
      type: 'QuotaExceededError',
      message: 'quota exceeded for user 42',
      runId: 'run-sentry',
      seq: 7,
    });
    expect(error?.attributes).toMatchObject({ feature: 'activities', server_name: 'activities' });
    expect(error?.frames[0]).toMatchObject({ function: 'chargeQuota', file: FIXTURE });
    expect(error?.frames[0].line).toBeGreaterThan(0);
    expect(error?.frames[0].column).toBeGreaterThan(0);
  });
});

describe('Sentry wire details', () => {
  const post = (p: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.url}${p}`, { method: 'POST', body, headers });

  it('reads items with an explicit length whose payload contains newlines, and gzip bodies', async () => {
    const event = JSON.stringify({
      event_id: 'a'.repeat(32),
      exception: { values: [{ type: 'LengthError', value: 'line one\nline two' }] },
      tags: { 'bakeoff.run_id': 'run-wire' },
    });
    const attachment = 'binary\nwith\nnewlines';
    const envelope = [
      JSON.stringify({ event_id: 'a'.repeat(32), dsn: dsn('5') }),
      JSON.stringify({ type: 'attachment', length: Buffer.byteLength(attachment), filename: 'x.txt' }),
      attachment,
      JSON.stringify({ type: 'event', length: Buffer.byteLength(event) }),
      event,
      JSON.stringify({ type: 'client_report' }),
      '{"discarded_events":[]}',
    ].join('\n');
    const res = await post('/api/5/envelope/', zlib.gzipSync(envelope), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'a'.repeat(32) });
    const errors = await api<ApiError[]>('/api/errors?vendor=sentry&run=run-wire');
    expect(errors.map((e) => [e.type, e.message])).toEqual([['LengthError', 'line one\nline two']]);
  });

  it('never stores the sentry key', async () => {
    const res = await fetch(`${sandbox.url}/api/export`);
    expect(await res.text()).not.toContain(KEY);
  });

  it.each([
    ['not an envelope', 'hello', 400, /envelope header is not JSON/],
    ['item without type', `{}\n{"length":2}\n{}`, 400, /has no type/],
    ['length past the end', `{}\n{"type":"event","length":99}\n{}`, 400, /shorter than its length/],
    ['event that is not JSON', `{}\n{"type":"event"}\nnope`, 400, /payload is not JSON/],
    [
      'span v2 without items',
      `{}\n{"type":"span","content_type":"application/vnd.sentry.items.span.v2+json"}\n{}`,
      400,
      /no items/,
    ],
  ])('answers 400 with a message for %s', async (_name, body, status, message) => {
    const res = await post(`/api/5/envelope/?sentry_key=${KEY}`, body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it('refuses bad gzip, a missing key, and decompression bombs, and keeps serving', async () => {
    const badGzip = await post(`/api/5/envelope/?sentry_key=${KEY}`, 'not gzip', {
      'content-encoding': 'gzip',
    });
    expect(badGzip.status).toBe(400);
    const noKey = await post('/api/5/envelope/', '{}\n');
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { message: string }).message).toMatch(/authorization/);
    const bomb = zlib.gzipSync(Buffer.alloc(101 * 1024 * 1024));
    const tooBig = await post(`/api/5/envelope/?sentry_key=${KEY}`, bomb, { 'content-encoding': 'gzip' });
    expect(tooBig.status).toBe(413);
    const health = await fetch(`${sandbox.url}/api/health`);
    expect(health.status).toBe(200);
  });

  it('accepts a legacy /store/ event with X-Sentry-Auth', async () => {
    const res = await post(
      '/api/5/store/',
      JSON.stringify({
        event_id: 'b'.repeat(32),
        message: 'plain message',
        level: 'warning',
        tags: { 'bakeoff.run_id': 'run-store' },
      }),
      { 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${KEY}` },
    );
    expect(res.status).toBe(200);
    const errors = await api<ApiError[]>('/api/errors?vendor=sentry&run=run-store');
    expect(errors).toMatchObject([{ type: 'message', message: 'plain message' }]);
  });
});

describe('sentry-python 1.x envelopes', () => {
  // Shapes from sentry-python 1.45: ISO timestamps with microseconds, the root span's status in
  // contexts.trace (here unset, as when the handler raised), a child span's status only in tags.status, and
  // an error event with request, user and breadcrumbs.
  const traceId = '771a43a4192642f0b136d5159a501700';
  const auth = {
    'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_version=7, sentry_client=sentry.python/1.45.0`,
  };
  const transaction = {
    type: 'transaction',
    event_id: 'c'.repeat(32),
    platform: 'python',
    transaction: '/orders/{id}',
    transaction_info: { source: 'route' },
    start_timestamp: '2024-03-05T10:00:00.000100Z',
    timestamp: '2024-03-05T10:00:00.250350Z',
    contexts: {
      trace: { trace_id: traceId, span_id: 'a1b2c3d4e5f60718', op: 'http.server', parent_span_id: null },
    },
    // An app's own tag that happens to be called `status`: not one of Sentry's statuses, so not read as one.
    tags: { 'bakeoff.run_id': 'run-py', 'bakeoff.seq': '3', status: 'paid' },
    spans: [
      {
        trace_id: traceId,
        span_id: 'b1b2c3d4e5f60718',
        parent_span_id: 'a1b2c3d4e5f60718',
        same_process_as_parent: true,
        op: 'db',
        description: 'SELECT * FROM orders WHERE id = %s',
        start_timestamp: '2024-03-05T10:00:00.010000Z',
        timestamp: '2024-03-05T10:00:00.240000Z',
        tags: { status: 'internal_error' },
        data: { 'db.system': 'postgresql' },
      },
    ],
    sdk: { name: 'sentry.python.flask', version: '1.45.0' },
  };
  const event = {
    event_id: 'd'.repeat(32),
    level: 'error',
    platform: 'python',
    timestamp: '2024-03-05T10:00:00.245000Z',
    exception: {
      values: [{ type: 'OperationalError', value: 'connection reset', stacktrace: { frames: [] } }],
    },
    contexts: { trace: { trace_id: traceId, span_id: 'b1b2c3d4e5f60718', op: 'db' } },
    tags: { 'bakeoff.run_id': 'run-py', 'bakeoff.seq': '3' },
    request: {
      url: 'http://orders.internal/orders/42',
      method: 'GET',
      query_string: 'expand=items',
      headers: { 'User-Agent': 'curl/8.5.0' },
    },
    user: { id: '42', ip_address: '10.0.0.7' },
    breadcrumbs: {
      values: [
        { timestamp: '2024-03-05T10:00:00.001Z', type: 'default', category: 'query', message: 'BEGIN' },
        { timestamp: '2024-03-05T10:00:00.002Z', category: 'httplib', data: { url: 'http://users/42' } },
      ],
    },
  };
  const envelopeOf = (item: object) => {
    const payload = JSON.stringify(item);
    const type = (item as { type?: string }).type ?? 'event';
    return [
      JSON.stringify({
        event_id: (item as { event_id: string }).event_id,
        sent_at: '2024-03-05T10:00:01.000000Z',
      }),
      JSON.stringify({ type, content_type: 'application/json', length: Buffer.byteLength(payload) }),
      payload,
    ].join('\n');
  };

  beforeAll(async () => {
    for (const item of [transaction, event]) {
      const res = await fetch(`${sandbox.url}/api/1/envelope/`, {
        method: 'POST',
        body: envelopeOf(item),
        headers: auth,
      });
      expect(res.status).toBe(200);
    }
  });

  it('reads a child span status sent only as tags.status, so the trace shows as failed', async () => {
    const trace = await api<{
      summary: { error: boolean };
      spans: Array<ApiSpan & { statusMessage?: string }>;
    }>(`/api/traces/sentry/${traceId}`);
    expect(trace.summary.error).toBe(true);
    const db = trace.spans.find((s) => s.spanId === 'b1b2c3d4e5f60718');
    expect(db).toMatchObject({ status: 'error', statusMessage: 'internal_error' });
    expect(trace.spans.find((s) => s.spanId === 'a1b2c3d4e5f60718')?.status).toBe('unset');
  });

  it('keeps the sub-millisecond part of ISO timestamps', async () => {
    const trace = await api<{ spans: Array<ApiSpan & { startMs: number }> }>(`/api/traces/sentry/${traceId}`);
    const root = trace.spans.find((s) => s.spanId === 'a1b2c3d4e5f60718')!;
    expect(root.startMs).toBeCloseTo(Date.UTC(2024, 2, 5, 10, 0, 0) + 0.1, 3);
    expect(root.durationMs).toBeCloseTo(250.25, 3);
    const db = trace.spans.find((s) => s.spanId === 'b1b2c3d4e5f60718')!;
    expect(db.durationMs).toBeCloseTo(230, 3);
  });

  it('keeps the request, user and breadcrumbs of an error event', async () => {
    const errors = await api<Array<ApiError & { native: Record<string, Record<string, unknown>> }>>(
      '/api/errors?vendor=sentry&run=run-py',
    );
    const error = errors.find((e) => e.type === 'OperationalError')!;
    expect(error.native.request).toMatchObject({ url: 'http://orders.internal/orders/42', method: 'GET' });
    expect(error.native.user).toEqual({ id: '42', ip_address: '10.0.0.7' });
    expect(error.native.breadcrumbs.values).toEqual(event.breadcrumbs.values);
  });
});
