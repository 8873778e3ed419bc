import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentrySettings } from '../../adapters/sentry';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { eventually, type Stack, startStack } from './harness';
import { conformanceSuite } from './suite';

// Span streaming, the v11 default: `span` envelope items.
conformanceSuite({
  observability: 'sentry',
  vendor: 'sentry',
  signals: { traces: true, errors: true, logs: false },
  env: { SENTRY_TRACE_LIFECYCLE: 'stream' },
  label: 'sentry (stream)',
});

// Classic transactions: one `transaction` event per request.
conformanceSuite({
  observability: 'sentry',
  vendor: 'sentry',
  signals: { traces: true, errors: true, logs: false },
  env: { SENTRY_TRACE_LIFECYCLE: 'static' },
  label: 'sentry (static)',
});

describe('sentry trace lifecycles reach the sandbox in their own shape', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ observability: 'sentry', env: { SENTRY_TRACE_LIFECYCLE: 'static' } });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('static mode sends transaction events (root span with tags and contexts), not streamed spans', async () => {
    expect((await stack.request('GET', '/api/activities/home', 1)).status).toBe(200);
    await stack.stop();
    const [summary] = await eventually(async () => {
      const list = await stack.api(`/api/traces?vendor=sentry&run=${stack.runId}`);
      return list.length > 0 ? list : undefined;
    });
    const { spans } = await stack.api(`/api/traces/sentry/${summary.traceId}`);
    const root = spans.find((s: { parentId: string | null }) => s.parentId === null);
    // The sandbox keeps a transaction's tags/data/contexts (and request, user, breadcrumbs) as its native form;
    // a streamed span has none of them, only attributes.
    expect(Object.keys(root.native)).toEqual(expect.arrayContaining(['contexts', 'data', 'tags']));
    expect(root.native.tags['bakeoff.run_id']).toBe(stack.runId);
  });
});

const BURST_FIXTURE = path.resolve(__dirname, '../fixtures/sentry-adapter-burst.js');

/** The fixture's run: BURST two-span traces ended at once, then the adapter's shutdown. */
function runBurst(sandbox: Sandbox, lifecycle: string, run: string, burst: number) {
  const child = spawn(process.execPath, [BURST_FIXTURE], {
    env: {
      ...process.env,
      SENTRY_DSN: '',
      SANDBOX_URL: sandbox.url,
      RUN: run,
      BURST: String(burst),
      SENTRY_TRACE_LIFECYCLE: lifecycle,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

// Sentry holds each trace's spans (streaming) or transaction (static) until it sends them; shutdown sends all
// it holds at once. The SDK's default send queue takes 64 envelopes and drops the rest: 136 of these 200.
describe('sentry shutdown right after a burst', () => {
  const BURST = 200;
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  for (const lifecycle of ['stream', 'static']) {
    it(`delivers every span of ${BURST} traces ended just before shutdown (${lifecycle})`, async () => {
      const run = `burst-${lifecycle}-${process.pid}`;
      const exit = await runBurst(sandbox, lifecycle, run, BURST);
      expect(exit.code, exit.stderr).toBe(0);
      expect(exit.stdout).toBe('{"done":true}');
      const res = await fetch(`${sandbox.url}/api/traces?vendor=sentry&run=${run}&limit=1000`);
      const traces = (await res.json()) as Array<{ seq: number | null; spanCount: number }>;
      const spansBySeq = new Map(traces.map((t) => [t.seq, t.spanCount]));
      const short = Array.from({ length: BURST }, (_, i) => i + 1).filter((seq) => spansBySeq.get(seq) !== 2);
      expect(short, `traces missing a span or wholly (of ${BURST})`).toEqual([]);
    }, 60_000);
  }
});

describe('sentry settings', () => {
  const base = { serviceName: 'activities', sandboxUrl: 'http://127.0.0.1:4400' };

  it('sends to the sandbox with a placeholder key when SENTRY_DSN is unset, and prints no key', () => {
    const settings = sentrySettings({ ...base, env: {} });
    expect(settings.dsn).toBe('http://sandbox@127.0.0.1:4400/1');
    expect(settings.destination).toEqual({ kind: 'sandbox', endpoint: 'http://127.0.0.1:4400/1' });
    expect(settings.traceLifecycle).toBe('stream');
  });

  it('uses SENTRY_DSN for the real vendor and strips the public key from the printed destination', () => {
    const settings = sentrySettings({
      ...base,
      env: { SENTRY_DSN: 'https://abc123def@o42.ingest.us.sentry.io/4501', SENTRY_TRACE_LIFECYCLE: 'static' },
    });
    expect(settings.destination).toEqual({
      kind: 'vendor',
      endpoint: 'https://o42.ingest.us.sentry.io/4501',
    });
    expect(settings.destination.endpoint).not.toContain('abc123def');
    expect(settings.traceLifecycle).toBe('static');
  });

  it('refuses an unknown trace lifecycle and a DSN that is not a URL, without echoing the DSN', () => {
    expect(() => sentrySettings({ ...base, env: { SENTRY_TRACE_LIFECYCLE: 'batch' } })).toThrow(
      /SENTRY_TRACE_LIFECYCLE must be "stream" or "static"/,
    );
    expect(() => sentrySettings({ ...base, env: { SENTRY_DSN: 'secretkey-not-a-url' } })).toThrow(
      expect.objectContaining({
        code: 'BAKEOFF_ERR_INVALID_ENV',
        message: expect.not.stringContaining('secretkey'),
      }),
    );
  });
});
