import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datadogSettings } from '../../adapters/datadog';
import { eventually, type Stack, startStack } from './harness';
import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'datadog',
  vendor: 'datadog',
  signals: { traces: true, errors: true, logs: false },
});

interface Span {
  spanId: string;
  parentId: string | null;
  service: string;
  attributes: Record<string, unknown>;
}

/** dd-trace patches http/fetch itself; Sentry 11 uses diagnostics channels and (by default) no OTel provider. */
describe('datadog next to sentry in one process', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ observability: 'datadog,sentry' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps both vendors’ traces whole across the users service, correlated on the root span', async () => {
    expect((await stack.request('GET', '/api/activities/home', 1)).status).toBe(200);
    expect((await stack.stop()).map((e) => e.code)).toEqual([0, 0]);
    for (const vendor of ['datadog', 'sentry']) {
      const [summary] = await eventually(async () => {
        const list = await stack.api(`/api/traces?vendor=${vendor}&run=${stack.runId}`);
        return list.length > 0 && list[0].services.length === 2 ? list : undefined;
      });
      expect(summary.services, vendor).toEqual(expect.arrayContaining(['activities', 'users']));
      const { spans } = await stack.api<{ spans: Span[] }>(`/api/traces/${vendor}/${summary.traceId}`);
      const ids = new Set(spans.map((s) => s.spanId));
      const orphans = spans.filter((s) => s.service === 'users' && (!s.parentId || !ids.has(s.parentId)));
      expect(orphans, `${vendor}: users spans without a parent in the trace`).toEqual([]);
      // scope 'root' annotations land on the request's server span, not on whatever middleware span was active.
      const root = spans.find((s) => s.parentId === null)!;
      expect(root.attributes['bakeoff.run_id'], vendor).toBe(stack.runId);
      expect(Number(root.attributes['bakeoff.seq']), vendor).toBe(1);
    }
  });
});

describe('datadog settings', () => {
  const base = { serviceName: 'users', sandboxUrl: 'http://10.0.0.5:4400' };

  it('plays the agent with the sandbox host on :8126 when no agent is configured', () => {
    const settings = datadogSettings({ ...base, env: {} });
    expect(settings.agentUrl).toBe('http://10.0.0.5:8126');
    expect(settings.destination.kind).toBe('sandbox');
    expect(settings.sandbox).toBe(true);
    expect(settings.env).toBe('bakeoff');
  });

  it('prefers DD_TRACE_AGENT_URL, then DD_AGENT_HOST with DD_TRACE_AGENT_PORT', () => {
    expect(datadogSettings({ ...base, env: { DD_TRACE_AGENT_URL: 'http://agent:9126/' } }).agentUrl).toBe(
      'http://agent:9126',
    );
    const viaHost = datadogSettings({
      ...base,
      env: { DD_AGENT_HOST: 'dd-agent', DD_TRACE_AGENT_PORT: '8136' },
    });
    expect(viaHost.agentUrl).toBe('http://dd-agent:8136');
    expect(viaHost.destination.kind).toBe('vendor');
  });

  it('counts as the real vendor when an API key is set, and never prints it', () => {
    const settings = datadogSettings({ ...base, env: { DD_API_KEY: 'abcdef0123456789', DD_ENV: 'staging' } });
    expect(settings.destination.kind).toBe('vendor');
    expect(settings.sandbox).toBe(false);
    expect(settings.env).toBe('staging');
    expect(JSON.stringify(settings)).not.toContain('abcdef0123456789');
  });
});
