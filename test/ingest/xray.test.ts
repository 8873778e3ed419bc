import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXrayDaemon, type XrayDaemon } from '../../sandbox/ingest/xray';
import type { IngestBatch, IngestSink, PayloadMeta } from '../../sandbox/model';
import { SandboxStore } from '../../sandbox/store';

const run = promisify(execFile);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'xray-sdk.js');
const HEADER = '{"format":"json","version":1}\n';

function collectingSink() {
  const received: Array<{ meta: PayloadMeta; batch: IngestBatch }> = [];
  const sink: IngestSink = { accept: (_vendor, meta, batch) => received.push({ meta, batch }) };
  const spans = (traceId: string) =>
    received.flatMap((r) => r.batch.spans.filter((s) => s.traceId === traceId));
  return { received, sink, spans };
}

/** UDP is fire-and-forget, so the test polls the sink until what it expects is there (or gives up). */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function sendDatagram(port: number, text: string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) =>
    socket.send(text, port, '127.0.0.1', (err) => {
      socket.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

const main = collectingSink();
let daemon: XrayDaemon;

beforeAll(async () => {
  daemon = await startXrayDaemon({ host: '127.0.0.1', port: 0, sink: main.sink });
});
afterAll(() => daemon.close());

async function runSdk(env: Record<string, string>) {
  const { stdout } = await run('node', [FIXTURE], {
    env: { ...process.env, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.port}`, ...env },
    timeout: 20_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe.each([
  { mode: 'one segment document', stream: '0' },
  { mode: 'streamed subsegments', stream: '1' },
])('aws-xray-sdk-core, $mode', ({ stream }) => {
  it('stores the segment tree with services, annotations, metadata, the remote call and the fault', async () => {
    const ids = await runSdk({ XRAY_STREAM: stream, FIXTURE_SERVICE: `xr-${stream}` });
    await waitFor(() => main.spans(ids.traceId).length === 5, 'five spans');
    const spans = main.spans(ids.traceId);
    const byId = (id: string) => spans.find((s) => s.spanId === id)!;
    expect(ids.traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);

    expect(byId(ids.segmentId)).toMatchObject({ parentId: null, name: `xr-${stream}`, kind: 'server' });
    expect(byId(ids.segmentId).native.annotations).toEqual({ bakeoff_run_id: 'run-xr', bakeoff_seq: 5 });
    expect(byId(ids.handlerId)).toMatchObject({ parentId: ids.segmentId, name: 'handler', kind: 'internal' });

    const profile = byId(ids.profileId);
    expect(profile).toMatchObject({ parentId: ids.handlerId, name: 'load-profile', status: 'unset' });
    expect(profile.native.annotations).toEqual({ user_id: 'u-1' });
    expect(profile.native.metadata).toEqual({
      default: { profile: { plan: 'pro' } },
      bakeoff: { cache: 'miss' },
    });
    expect(profile.attributes).toMatchObject({
      user_id: 'u-1',
      profile: { plan: 'pro' },
      'bakeoff.cache': 'miss',
    });

    expect(byId(ids.queryId)).toMatchObject({
      parentId: ids.handlerId,
      status: 'error',
      statusMessage: 'db exploded',
    });
    const remote = spans.find((s) => s.kind === 'client')!;
    expect(remote).toMatchObject({ parentId: ids.handlerId, name: '127.0.0.1' });
    expect(remote.attributes).toMatchObject({ 'xray.namespace': 'remote', 'http.response.status': 404 });
    expect(remote.attributes['http.request.method']).toBe('GET');

    // Streamed subsegments carry no service name: they inherit their segment's.
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set([`xr-${stream}`]));
    for (const s of spans) expect(s.startMs).toBeGreaterThan(Date.UTC(2024, 0, 1));

    const errors = main.received.flatMap((r) => r.batch.errors.filter((e) => e.traceId === ids.traceId));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      type: 'TypeError',
      message: 'db exploded',
      spanId: ids.queryId,
      runId: 'run-xr',
      seq: 5,
    });
    expect(errors[0].frames[0]).toMatchObject({
      file: expect.stringContaining('xray-sdk.js'),
      line: expect.any(Number),
    });

    const payloads = main.received.filter((r) => r.batch.spans.some((s) => s.traceId === ids.traceId));
    expect(payloads.length).toBe(stream === '1' ? 4 : 1);
    for (const p of payloads) expect(p.meta).toMatchObject({ route: 'udp', bytes: expect.any(Number) });
  });
});

describe('sampling API on the same port over TCP', () => {
  it('gives the SDK one rule and targets that sample everything', async () => {
    const result = await runSdk({ XRAY_MODE: 'sampling' });
    expect(result.rules).toEqual([{ name: 'bakeoff-sample-everything', rate: 1, priority: 1, borrow: true }]);
    expect(result.targets['bakeoff-sample-everything']).toMatchObject({ rate: 1, quota: 1000 });
  });

  it('answers other paths with 404', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/GetSamplingRulesX`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${daemon.port}/GetSamplingRules`)).status).toBe(404);
  });
});

describe('raw datagrams', () => {
  const traceId = '1-5f84c7a5-0123456789abcdef01234567';

  it('replaces an in-progress segment with its completed version', async () => {
    const doc = { id: 'aaaaaaaaaaaaaaaa', trace_id: traceId, name: 'svc', start_time: 1700000000.25 };
    await sendDatagram(daemon.port, HEADER + JSON.stringify({ ...doc, in_progress: true }));
    await waitFor(() => daemon.stats().held === 1, 'the in-progress segment to be held');
    expect(main.spans(traceId)).toHaveLength(0);
    await sendDatagram(daemon.port, HEADER + JSON.stringify({ ...doc, end_time: 1700000000.75 }));
    await waitFor(() => main.spans(traceId).length === 1, 'the completed segment');
    expect(main.spans(traceId)[0]).toMatchObject({ startMs: 1700000000250, durationMs: 500, kind: 'server' });
    expect(daemon.stats().held).toBe(0);
  });

  it('counts bad datagrams without storing them and keeps serving', async () => {
    const before = daemon.stats();
    const stored = main.received.length;
    await sendDatagram(daemon.port, '{"id":"no header"}');
    await sendDatagram(daemon.port, '{"format":"json","version":2}\n{}');
    await sendDatagram(daemon.port, `${HEADER}{"id":`);
    await sendDatagram(daemon.port, `${HEADER}{"name":"no id","start_time":1}`);
    await sendDatagram(daemon.port, `${HEADER}{"id":"x","name":"n","start_time":1,"type":"subsegment"}`);
    await waitFor(() => daemon.stats().rejected === before.rejected + 5, 'five rejections');
    expect(main.received.length).toBe(stored);
    const good = {
      id: 'bbbbbbbbbbbbbbbb',
      trace_id: `${traceId}9`,
      name: 'after',
      start_time: 1,
      end_time: 2,
    };
    await sendDatagram(daemon.port, HEADER + JSON.stringify(good));
    await waitFor(() => main.spans(`${traceId}9`).length === 1, 'a good datagram after bad ones');
  });

  it('stores a streamed subsegment whose segment never comes, on close, with an unknown service', async () => {
    const own = collectingSink();
    const lonely = await startXrayDaemon({ host: '127.0.0.1', port: 0, sink: own.sink });
    const sub = {
      id: 'cccccccccccccccc',
      trace_id: traceId,
      parent_id: 'dddddddddddddddd',
      type: 'subsegment',
    };
    await sendDatagram(
      lonely.port,
      HEADER + JSON.stringify({ ...sub, name: 'orphan', start_time: 1, end_time: 2 }),
    );
    await waitFor(() => lonely.stats().held === 1, 'the orphan to be held');
    expect(own.received).toHaveLength(0);
    await lonely.close();
    expect(own.spans(traceId)).toEqual([
      expect.objectContaining({
        spanId: 'cccccccccccccccc',
        parentId: 'dddddddddddddddd',
        service: 'unknown',
      }),
    ]);
  });
});

describe('datagrams out of order (UDP reorders; every SDK that streams sends in_progress first)', () => {
  const traceId = '1-5f84c7a5-00000000000000000000abcd';
  const doc = { id: 'eeeeeeeeeeeeeeee', trace_id: traceId, name: 'orders', start_time: 1700000000.25 };
  const completed = { ...doc, end_time: 1700000000.75, http: { response: { status: 200 } } };
  const running = { ...doc, in_progress: true };

  it('keeps the completed segment when its in-progress copy arrives after it', async () => {
    const store = new SandboxStore();
    const daemon = await startXrayDaemon({ host: '127.0.0.1', port: 0, sink: store });
    await sendDatagram(daemon.port, HEADER + JSON.stringify(completed));
    await waitFor(() => store.getTrace('xray', traceId) !== null, 'the completed segment');
    await sendDatagram(daemon.port, HEADER + JSON.stringify(running));
    await waitFor(() => daemon.stats().documents === 2, 'the late in-progress copy');
    expect(daemon.stats().held).toBe(0);
    await daemon.close(); // stores whatever is still held
    const [span] = store.getTrace('xray', traceId)!.spans;
    expect(span).toMatchObject({ durationMs: 500, attributes: { 'http.response.status': 200 } });
    expect(span.inProgress).toBeUndefined();
  });

  it('shows a segment that never completes as in progress, then lets the completed one replace it', async () => {
    const store = new SandboxStore();
    const daemon = await startXrayDaemon({ host: '127.0.0.1', port: 0, sink: store, holdMs: 50 });
    await sendDatagram(daemon.port, HEADER + JSON.stringify(running));
    await waitFor(() => store.getTrace('xray', traceId) !== null, 'the held segment to be stored as is');
    expect(store.getTrace('xray', traceId)!.spans[0]).toMatchObject({ inProgress: true, durationMs: 0 });
    await sendDatagram(daemon.port, HEADER + JSON.stringify(completed));
    await waitFor(() => store.getTrace('xray', traceId)!.spans[0].durationMs === 500, 'the completed one');
    expect(store.getTrace('xray', traceId)!.spans[0].inProgress).toBeUndefined();
    await daemon.close();
  });

  it('lets a completed subsegment win over an in-progress copy stored after it, in the store', () => {
    const store = new SandboxStore();
    const base = { traceId, parentId: null, name: 'db', service: 'orders', kind: 'client' as const };
    const span = { ...base, vendor: 'xray' as const, spanId: 'ffffffffffffffff', startMs: 1, attributes: {} };
    const meta = { route: 'udp', bytes: 1, contentType: null };
    const full = { ...span, durationMs: 40, native: { sql: { url: 'db' } }, status: 'error' as const };
    const partial = { ...span, durationMs: 0, native: {}, status: 'unset' as const, inProgress: true };
    store.accept('xray', meta, { spans: [full], errors: [], logs: [] });
    store.accept('xray', meta, { spans: [partial], errors: [], logs: [] });
    expect(store.getTrace('xray', traceId)!.spans[0]).toMatchObject({
      durationMs: 40,
      status: 'error',
      native: { sql: { url: 'db' } },
    });
    expect(store.getTrace('xray', traceId)!.spans[0].inProgress).toBeUndefined();
  });
});

describe('aws-xray-sdk-python documents', () => {
  // Shapes from aws_xray_sdk (Python): `aws.xray.sdk`, `service` with the runtime, `user` from
  // segment.set_user(), and cause.exceptions stacks from traceback.extract_stack() + extract_tb(): outermost
  // call first, paths reduced to their basename.
  const traceId = '1-65f00000-0000000000000000000000a1';
  const stack = [
    { path: 'app.py', line: 88, label: 'dispatch_request' },
    { path: 'orders.py', line: 31, label: 'create_order' },
    { path: 'pricing.py', line: 12, label: 'price_of' },
  ];
  const segment = {
    id: '1111111111111111',
    trace_id: traceId,
    name: 'orders-api',
    start_time: 1710000000.1,
    end_time: 1710000000.3,
    fault: true,
    user: 'alice@example.com',
    service: { runtime: 'CPython', runtime_version: '3.12.2' },
    aws: { xray: { sdk: 'X-Ray for Python', sdk_version: '2.14.0' } },
    cause: {
      working_directory: '/srv/orders',
      exceptions: [{ id: 'aaaa000000000001', type: 'KeyError', message: "'sku'", stack }],
    },
  };

  it('keeps the segment user and service, and turns the stack innermost first', async () => {
    const own = collectingSink();
    const daemon = await startXrayDaemon({ host: '127.0.0.1', port: 0, sink: own.sink });
    await sendDatagram(daemon.port, HEADER + JSON.stringify(segment));
    await waitFor(() => own.spans(traceId).length === 1, 'the Python segment');
    await daemon.close();
    const [span] = own.spans(traceId);
    expect(span.native.user).toEqual({ user: 'alice@example.com' });
    expect(span.native.service).toEqual({ runtime: 'CPython', runtime_version: '3.12.2' });
    expect(span.attributes).toMatchObject({
      'xray.user': 'alice@example.com',
      'xray.service.runtime': 'CPython',
    });
    // The service block must not pass for OTel's service.name.
    expect(span.attributes['service.name']).toBeUndefined();
    const [error] = own.received.flatMap((r) => r.batch.errors);
    expect(error.frames.map((f) => f.function)).toEqual(['price_of', 'create_order', 'dispatch_request']);
    expect(error.frames[0]).toEqual({ function: 'price_of', file: 'pricing.py', line: 12 });
  });

  it('turns a streamed Python subsegment stack innermost first even before its segment is seen', async () => {
    const own = collectingSink();
    const daemon = await startXrayDaemon({ host: '127.0.0.1', port: 0, sink: own.sink });
    const sub = {
      id: '2222222222222222',
      trace_id: traceId,
      parent_id: '3333333333333333',
      type: 'subsegment',
      name: 'price',
      start_time: 1710000000.2,
      end_time: 1710000000.25,
      fault: true,
      cause: { exceptions: [{ id: 'aaaa000000000002', type: 'KeyError', message: "'sku'", stack }] },
    };
    await sendDatagram(daemon.port, HEADER + JSON.stringify(sub));
    await waitFor(() => daemon.stats().held === 1, 'the orphan to be held');
    await daemon.close();
    const [error] = own.received.flatMap((r) => r.batch.errors);
    expect(error.frames[0]).toMatchObject({ function: 'price_of', file: 'pricing.py' });
  });
});
