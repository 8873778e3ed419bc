import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../sandbox/model';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * The three decoders inside the real sandbox (every port ephemeral), driven by the real SDKs, asserted only
 * through the sandbox's JSON API.
 */
const run = promisify(execFile);
const fixture = (name: string) => path.join(__dirname, '..', 'fixtures', name);
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
});
afterAll(() => sandbox.close());

async function sdk(name: string, env: Record<string, string>) {
  const { stdout } = await run('node', [fixture(name)], { env: { ...process.env, ...env }, timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function api<T>(urlPath: string): Promise<T> {
  const res = await fetch(`${sandbox.url}${urlPath}`);
  expect(res.status, urlPath).toBe(200);
  return (await res.json()) as T;
}

type TraceView = { spans: SpanRecord[] };
type ErrorView = { type: string; message: string; traceId: string | null; runId: string | null };

/** X-Ray arrives over UDP: poll the API until the trace has the expected span count. */
async function traceWhenComplete(vendor: string, traceId: string, spans: number): Promise<TraceView> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${sandbox.url}/api/traces/${vendor}/${encodeURIComponent(traceId)}`);
    if (res.status === 200) {
      const view = (await res.json()) as TraceView;
      if (view.spans.length === spans) return view;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`trace ${traceId} never reached ${spans} spans`);
}

describe('decoders inside startSandbox', () => {
  it('OTLP on the OTLP port with a Honeycomb key is honeycomb; on the UI port without one, otlp', async () => {
    const hc = await sdk('otlp-sdk.js', {
      OTLP_URL: sandbox.otlpUrl,
      HONEYCOMB_TEAM: 'secret-hc',
      FIXTURE_SERVICE: 'hc',
    });
    const plain = await sdk('otlp-sdk.js', {
      OTLP_URL: sandbox.url,
      OTLP_PROTOCOL: 'json',
      FIXTURE_SERVICE: 'plain',
    });
    const hcTrace = await api<TraceView>(`/api/traces/honeycomb/${hc.traceId}`);
    expect(hcTrace.spans.find((s) => s.spanId === hc.childSpanId)).toMatchObject({
      parentId: hc.parentSpanId,
    });
    const plainTrace = await api<TraceView>(`/api/traces/otlp/${plain.traceId}`);
    expect(plainTrace.spans.map((s) => s.service)).toEqual(['plain', 'plain']);
    const errors = await api<ErrorView[]>('/api/errors?vendor=honeycomb');
    expect(errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'TypeError', traceId: hc.traceId })]),
    );
    const runs = await api<Array<{ traceId: string; runId: string | null }>>(
      '/api/traces?vendor=otlp&run=run-otlp',
    );
    expect(runs.map((t) => t.traceId)).toContain(plain.traceId);
  });

  it('Datadog v0.5 through the agent port', async () => {
    const ids = await sdk('datadog-sdk.js', {
      DD_TRACE_AGENT_URL: sandbox.datadogUrl,
      DD_TRACE_AGENT_PROTOCOL_VERSION: '0.5',
      DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
      DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    });
    const view = await api<TraceView>(`/api/traces/datadog/${ids.traceId}`);
    expect(view.spans).toHaveLength(3);
    expect(view.spans.find((s) => s.spanId === ids.errorSpanId)).toMatchObject({
      parentId: ids.rootSpanId,
      status: 'error',
    });
    const errors = await api<ErrorView[]>('/api/errors?vendor=datadog');
    expect(errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'RangeError', traceId: ids.traceId })]),
    );
  });

  it('X-Ray streamed subsegments stitched under one service, found by run id', async () => {
    const ids = await sdk('xray-sdk.js', { AWS_XRAY_DAEMON_ADDRESS: sandbox.xrayAddress, XRAY_STREAM: '1' });
    const view = await traceWhenComplete('xray', ids.traceId, 5);
    expect(new Set(view.spans.map((s) => s.service))).toEqual(new Set(['xray-fixture']));
    expect(view.spans.find((s) => s.spanId === ids.queryId)).toMatchObject({
      parentId: ids.handlerId,
      status: 'error',
    });
    const traces = await api<Array<{ traceId: string; seq: number | null }>>(
      '/api/traces?vendor=xray&run=run-xr',
    );
    expect(traces).toEqual([expect.objectContaining({ traceId: ids.traceId, seq: 5 })]);
    const vendors = await api<Array<{ vendor: string; payloads: number; spans: number }>>('/api/vendors');
    expect(vendors.find((v) => v.vendor === 'xray')).toMatchObject({ payloads: 4, spans: 5 });
  });
});
