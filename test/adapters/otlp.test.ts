import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Stack, startStack } from './harness';
import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'otlp',
  vendor: 'otlp',
  signals: { traces: true, errors: true, logs: true },
});

describe('otlp log records', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ observability: 'otlp' });
    expect((await stack.request('GET', '/api/activities/@grace', 1)).status).toBe(200);
    await stack.stop();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('carry the trace and span ids of their request, as OTLP fields, in both services', async () => {
    const logs = await eventually(async () => {
      const list = await stack.api<Array<{ traceId: string | null; spanId: string | null; seq: number }>>(
        `/api/logs?vendor=otlp&run=${stack.runId}`,
      );
      return list.length >= 2 ? list : undefined;
    });
    const [summary] = await stack.api<Array<{ traceId: string }>>(
      `/api/traces?vendor=otlp&run=${stack.runId}`,
    );
    const { spans } = await stack.api<{ spans: Array<{ spanId: string; service: string }> }>(
      `/api/traces/otlp/${summary.traceId}`,
    );
    expect(logs.map((l) => l.traceId)).toEqual(logs.map(() => summary.traceId));
    const spanIds = new Set(spans.map((s) => s.spanId));
    expect(logs.every((l) => l.spanId !== null && spanIds.has(l.spanId))).toBe(true);
  });
});
