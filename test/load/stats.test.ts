import { describe, expect, it } from 'vitest';
import { LatencyHistogram, StatusCounts } from '../../harness/load/stats';

describe('LatencyHistogram', () => {
  it('reports percentiles within 1% and the exact max', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 10); // 0.1 … 1000 ms, evenly
    const p = h.percentiles();
    expect(h.count).toBe(10_000);
    expect(p.p50).toBeGreaterThanOrEqual(500 * 0.99);
    expect(p.p50).toBeLessThanOrEqual(500 * 1.01);
    expect(p.p90).toBeGreaterThanOrEqual(900 * 0.99);
    expect(p.p90).toBeLessThanOrEqual(900 * 1.01);
    expect(p.p99).toBeGreaterThanOrEqual(990 * 0.99);
    expect(p.p99).toBeLessThanOrEqual(990 * 1.01);
    expect(p.max).toBe(1000);
  });

  it('is 0 when empty and ignores nonsense', () => {
    const h = new LatencyHistogram();
    h.record(Number.NaN);
    h.record(-1);
    expect(h.percentiles()).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
    h.record(3);
    expect(h.percentiles()).toEqual({ p50: 3, p90: 3, p99: 3, max: 3 });
  });
});

describe('StatusCounts', () => {
  it('counts 4xx, 5xx and network errors as errors, and sorts keys', () => {
    const s = new StatusCounts();
    for (const outcome of [200, 201, 200, 404, 500, 'ERR_ECONNREFUSED', 'ERR_TIMEOUT'] as const)
      s.record(outcome);
    expect(s.errors).toBe(4);
    expect(s.toJSON()).toEqual({
      '200': 2,
      '201': 1,
      '404': 1,
      '500': 1,
      ERR_ECONNREFUSED: 1,
      ERR_TIMEOUT: 1,
    });
    expect(Object.keys(s.toJSON())).toEqual(['200', '201', '404', '500', 'ERR_ECONNREFUSED', 'ERR_TIMEOUT']);
  });
});
