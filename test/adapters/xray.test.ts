import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationKey } from '../../adapters/xray-entities';
import { eventually, SEEDED_UUID, type Stack, startStack } from './harness';
import { conformanceSuite } from './suite';

const CLIENT_FAULT_SCENARIO = path.resolve(__dirname, '../fixtures/scenarios/client-fault.yaml');

conformanceSuite({
  observability: 'xray',
  vendor: 'xray',
  signals: { traces: true, errors: true, logs: false },
  key: annotationKey,
});

// The production setting: sampling rules come from the daemon's GetSamplingRules (the sandbox's rule samples
// everything), with the local sample-everything rule only as the fallback until they arrive.
conformanceSuite({
  observability: 'xray',
  vendor: 'xray',
  signals: { traces: true, errors: true, logs: false },
  key: annotationKey,
  env: { XRAY_SAMPLING: 'centralized' },
  label: 'xray with centralized sampling',
});

describe('xray segments', () => {
  let stack: Stack;
  const incomingRoot = '1-6b0283e9-0123456789abcdef01234567';

  beforeAll(async () => {
    stack = await startStack({ observability: 'xray', env: { CHAOS: CLIENT_FAULT_SCENARIO } });
    await stack.request('POST', `/api/activities/${SEEDED_UUID}/reply`, 1, { handle: 'ada', message: 'x' });
    // A caller that is traced already: its X-Amzn-Trace-Id must be continued, not replaced.
    const res = await fetch(`${stack.activitiesUrl}/api/activities/home`, {
      headers: {
        'x-bakeoff-run': stack.runId,
        'x-bakeoff-seq': '2',
        'x-amzn-trace-id': `Root=${incomingRoot};Parent=53995c3f42cd8ad8;Sampled=1`,
      },
    });
    await res.text();
    await stack.stop();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const spansOf = async (seq: number) => {
    const traces = await eventually(async () => {
      const list = await stack.api<Array<{ traceId: string; seq: number }>>(
        `/api/traces?vendor=xray&run=${stack.runId}`,
      );
      return list.some((t) => t.seq === seq) ? list : undefined;
    });
    const trace = traces.find((t) => t.seq === seq)!;
    const { spans } = await stack.api<{
      spans: Array<{ name: string; parentId: string | null; attributes: Record<string, unknown> }>;
    }>(`/api/traces/xray/${trace.traceId}`);
    return { traceId: trace.traceId, spans };
  };

  it('flags an injected 4xx fault as a client error, not a fault', async () => {
    const { spans } = await spansOf(1);
    const segment = spans.find((s) => s.parentId === null)!;
    const handler = spans.find((s) => s.name === 'activities.reply')!;
    for (const entity of [segment, handler]) {
      expect(entity.attributes['xray.error']).toBe(true);
      expect(entity.attributes['xray.fault']).toBeUndefined();
    }
    expect(handler.attributes.chaos_fault).toBe('reply-client-fault');
  });

  it('continues an incoming X-Amzn-Trace-Id', async () => {
    const { traceId, spans } = await spansOf(2);
    expect(traceId).toBe(incomingRoot);
    expect(spans.find((s) => s.name === 'activities')?.parentId).toBe('53995c3f42cd8ad8');
  });
});
