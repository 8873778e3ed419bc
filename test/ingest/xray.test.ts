import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXrayDaemon, type XrayDaemon } from '../../sandbox/ingest/xray';
import type { IngestBatch, IngestSink, PayloadMeta } from '../../sandbox/model';

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
