import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdOf } from '../../harness/compare/async';
import { COMPARE_MAX_RECEIVES } from '../../harness/compare/async-check';
import { plannedWorkerFaults } from '../helpers/worker-faults';
import { sendsNotification } from '../../harness/compare/metrics';
import { writeReport } from '../../harness/compare/report';
import { type CompareResult, runCompare } from '../../harness/compare/run';

// Enough requests, with this seed, that the compare scenario's worker faults both retry a message that then
// works and dead-letter one (the test checks the plan says so before relying on it).
const REQUESTS = 30;
const SEED = 1;

describe('bakeoff compare, end to end', () => {
  let result: CompareResult;
  const api = async <T>(p: string): Promise<T> =>
    (await (await fetch(`${result.sandboxUrl}${p}`)).json()) as T;

  beforeAll(async () => {
    result = await runCompare({
      vendors: ['none', 'honeycomb', 'sentry'],
      requests: REQUESTS,
      seed: SEED,
      workload: 'mixed',
      chaos: 'compare',
      concurrency: 2,
      keepSandbox: true,
    });
  }, 180_000);

  afterAll(async () => {
    await result?.closeSandbox?.();
  });

  it('reports every vendor it ran, and how much a second baseline run drifted', () => {
    expect(Object.keys(result.vendors)).toEqual(['none', 'honeycomb', 'sentry']);
    expect(result.latencyRanking?.driftCheck).toEqual({
      deltaPct: expect.any(Number),
      low: expect.any(Number),
      high: expect.any(Number),
      withinNoise: expect.any(Boolean),
    });
    expect(result.vendors.none).toMatchObject({
      expected: 0,
      delivered: 0,
      bytesPerRequest: 0,
      errorsCaptured: null,
      latencyVsNone: null,
    });
  });

  it.each(['honeycomb', 'sentry'])('counts %s delivery exactly as the sandbox holds it', async (vendor) => {
    const m = result.vendors[vendor];
    const traces = await api<Array<{ seq: number | null }>>(
      `/api/traces?vendor=${vendor}&run=${result.runId}&limit=1000`,
    );
    const seqs = new Set(traces.map((t) => t.seq));
    expect(m.expected).toBe(REQUESTS);
    expect(m.delivered).toBe(seqs.size);
    expect(m.delivered).toBe(REQUESTS);
    // The Errors view's rows are the report's errors: one per failed request, whatever the SDK sent for it
    // (Honeycomb's OTel SDK sends each failure as two exception events).
    // The worker's failed deliveries (they name a queue message) are the Async table's, not a request's.
    const errors = (
      await api<Array<{ seq: number | null; recordCount: number; attributes: Record<string, unknown> }>>(
        `/api/errors?vendor=${vendor}&run=${result.runId}`,
      )
    ).filter((e) => messageIdOf(e.attributes) === undefined);
    const failed = result.sent[vendor].filter((r) => Number(r.status) >= 500).map((r) => r.seq);
    expect(failed.length).toBeGreaterThan(0);
    expect(m.errorsCaptured).toBe(errors.length);
    expect(errors.map((e) => e.seq).sort((a, b) => a! - b!)).toEqual(failed.sort((a, b) => a - b));
    expect(m.errorRecords).toBe(errors.reduce((n, e) => n + e.recordCount, 0));
    expect(m.errorsInjected).toBe(failed.length);
    expect(m.latencyVsNone).toEqual({
      deltaPct: expect.any(Number),
      low: expect.any(Number),
      high: expect.any(Number),
      withinNoise: expect.any(Boolean),
    });
    expect(m.bytesPerRequest).toBeGreaterThan(0);
    expect(m.crossServiceLinked).toBe(1);
    expect(m.attributesKept['bakeoff.run_id']).not.toBeNull();
  });

  it.each(['honeycomb', 'sentry'])(
    "shows %s's retries and dead letters, counts the worker's bytes, and finds the @mentions' notifications",
    async (vendor) => {
      const m = result.vendors[vendor];
      const a = m.async!;
      const notifying = result.sent[vendor].filter(sendsNotification).map((r) => r.seq);
      const planned = plannedWorkerFaults('compare', SEED, notifying, COMPARE_MAX_RECEIVES);
      expect(planned.deadLettered).toBeGreaterThan(0);
      expect(planned.redeliveries).toBeGreaterThan(planned.deadLettered);
      // The emulator's dead-letter queue holds exactly the messages the seeded faults failed every time.
      const dlq = await api<{ messageList: Array<{ attributes: Record<string, { value: string }> }> }>(
        `/api/queues/bakeoff-compare-${vendor}-notifications-dlq?limit=1000`,
      );
      const dead = dlq.messageList.filter((msg) => msg.attributes['bakeoff.run_id']?.value === result.runId);
      expect(dead).toHaveLength(planned.deadLettered);
      expect(a.dlq).toEqual({ moved: planned.deadLettered, failedVisible: planned.deadLettered });
      expect(a.redeliveries).toBe(planned.redeliveries);
      expect(a.retries).toBe(planned.redeliveries);
      expect(a.processed).toBe((a.sent ?? 0) - planned.deadLettered);
      // The worker's share of what the vendor received, apart from the HTTP services.
      expect(a.bytes).toBeGreaterThan(0);
      expect(a.bytes).toBeLessThan(m.bytesPerRequest * REQUESTS);
      expect(a.mentions!.expected).toBeGreaterThan(0);
      expect(a.mentions!.found).toBe(a.mentions!.expected);
    },
  );

  it('sends every vendor the identical workload: same routes, delays and faults per seq', () => {
    const shape = (vendor: string) =>
      result.sent[vendor]
        .map((r) => `${r.seq} ${r.route} ${r.chaos ?? ''} ${Number(r.status) >= 500 ? 'fault' : 'ok'}`)
        .sort();
    expect(shape('honeycomb')).toEqual(shape('none'));
    expect(shape('sentry')).toEqual(shape('none'));
    expect(shape('none').some((line) => /delay_ms=/.test(line))).toBe(true);
  });

  it('writes report.json in the documented shape, and a Markdown and HTML report', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bakeoff-report-'));
    writeReport(dir, { result, command: 'test', machine: 'test', screenshots: [] });
    const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(json).toMatchObject({ runId: result.runId, seed: SEED, scenario: 'compare', requests: REQUESTS });
    for (const key of [
      'sent',
      'processed',
      'sameTrace',
      'retries',
      'redeliveries',
      'dlq',
      'bytes',
      'mentions',
    ])
      expect(json.vendors.honeycomb.async, key).toHaveProperty(key);
    for (const key of [
      'expected',
      'delivered',
      'spansPerRequest',
      'crossServiceLinked',
      'attributesKept',
      'errorsInjected',
      'errorsCaptured',
      'logLines',
      'timingErrorMsP50',
      'timingErrorMsP99',
      'bytesPerRequest',
      'payloadsPerRequest',
      'timeToVisibleMsP50',
      'latencyMsP50',
      'latencyMsP99',
      'latencyVsNone',
      'propagationHeaders',
    ]) {
      expect(json.vendors.honeycomb, key).toHaveProperty(key);
    }
    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/## Verdict/);
    expect(md).toMatch(
      /\| retries: app \/ visible \| DLQ: moved \/ shown failed \| worker bytes \| @mentions notified \|/,
    );
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/<table>/);
  });
});
