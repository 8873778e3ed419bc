import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../harness/compare/report';
import { type CompareResult, runCompare } from '../../harness/compare/run';

const REQUESTS = 16;

describe('bakeoff compare, end to end', () => {
  let result: CompareResult;
  const api = async <T>(p: string): Promise<T> =>
    (await (await fetch(`${result.sandboxUrl}${p}`)).json()) as T;

  beforeAll(async () => {
    result = await runCompare({
      vendors: ['none', 'honeycomb', 'sentry'],
      requests: REQUESTS,
      seed: 42,
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
    const errors = await api<Array<{ seq: number | null; recordCount: number }>>(
      `/api/errors?vendor=${vendor}&run=${result.runId}`,
    );
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
    expect(json).toMatchObject({ runId: result.runId, seed: 42, scenario: 'compare', requests: REQUESTS });
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
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toMatch(/## Verdict/);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/<table>/);
  });
});
