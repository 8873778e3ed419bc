import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniform01 } from '../../app/chaos/random';
import { latencyNoise } from '../../harness/compare/latency-noise';
import type { SentRequest, VendorMetrics } from '../../harness/compare/metrics';
import { reportMarkdown, timeToVisibleText, writeReport } from '../../harness/compare/report';
import type { CompareResult } from '../../harness/compare/run';
import { NO_SCREENSHOTS } from '../../harness/compare/screenshots';
import { writeupMarkdown } from '../../harness/compare/writeup';

const REQUESTS = 200;

function sentFor(vendor: string, overheadMs: number): SentRequest[] {
  return Array.from({ length: REQUESTS }, (_, seq) => {
    const injected = seq % 10 === 0 ? 400 : 30;
    const noise = (uniform01(5, vendor, seq, 'n') - 0.5) * 6;
    return {
      seq,
      route: 'GET /api/activities/home',
      status: seq % 20 === 0 ? 500 : 200,
      endMs: 1_700_000_000_000 + seq * 100,
      latencyMs: injected + overheadMs + noise,
      chaos: seq % 20 === 0 ? 'rule=x;fault=ReplyWriteError' : null,
    };
  });
}

function metrics(over: Partial<VendorMetrics>): VendorMetrics {
  return {
    signals: ['traces', 'errors'],
    expected: REQUESTS,
    delivered: REQUESTS,
    spansPerRequest: 9,
    crossServiceLinked: 1,
    attributesKept: { 'bakeoff.run_id': 'attributes:bakeoff.run_id' },
    errorsInjected: 10,
    errorsCaptured: 10,
    errorRecords: 10,
    errorsWithFrames: 10,
    errorsLinkedToTrace: 10,
    logLines: 0,
    timingErrorMsP50: 0.5,
    timingErrorMsP99: 4,
    bytesPerRequest: 3000,
    payloadsPerRequest: 1,
    timeToVisibleMsP50: 500,
    latencyMsP50: 33,
    latencyMsP99: 400,
    latencyVsNone: null,
    propagationHeaders: [],
    async: null,
    ...over,
  };
}

function result(): CompareResult {
  const sent = { none: sentFor('none', 0), xray: sentFor('xray', 5), rollbar: sentFor('rollbar', 0) };
  const vendors: Record<string, VendorMetrics> = {
    none: metrics({
      signals: [],
      expected: 0,
      delivered: 0,
      errorsCaptured: null,
      errorRecords: null,
      errorsWithFrames: null,
      errorsLinkedToTrace: null,
      timeToVisibleMsP50: null,
      bytesPerRequest: 0,
    }),
    xray: metrics({ errorRecords: 40, timeToVisibleMsP50: -3 }),
    rollbar: metrics({ signals: ['errors'], expected: 10, delivered: 10, timeToVisibleMsP50: null }),
  };
  const noise = latencyNoise(sent, 'none', { seed: 42, resamples: 500, control: sentFor('none-again', 0) });
  for (const [name, m] of Object.entries(vendors)) m.latencyVsNone = noise.vsBaseline[name];
  return {
    runId: 'compare-test',
    seed: 42,
    scenario: 'compare',
    workload: 'mixed',
    requests: REQUESTS,
    release: '9.9.9-report',
    startedAt: '2026-11-30T00:00:00.000Z',
    wallMs: 1000,
    sandboxUrl: 'http://127.0.0.1:1',
    vendors,
    latencyRanking: noise.ranking,
    sent,
  };
}

const rowOf = (markdown: string, section: string, vendor: string) => {
  const body = markdown.split(`## ${section}\n`)[1].split('\n## ')[0];
  return body.split('\n').find((line) => line.startsWith(`| ${vendor} |`)) ?? '';
};

describe('the report card', () => {
  const r = result();
  const md = reportMarkdown({ result: r, command: 'test', machine: 'test', screenshots: [] });

  it('gives every vendor latencyVsNone with the interval the spread supports', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bakeoff-report-'));
    writeReport(dir, { result: r, command: 'test', machine: 'test', screenshots: [] });
    const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(Object.keys(json.vendors.xray.latencyVsNone).sort()).toEqual([
      'deltaPct',
      'high',
      'low',
      'withinNoise',
    ]);
    expect(json.vendors.xray.latencyVsNone.withinNoise).toBe(false);
    expect(json.vendors.rollbar.latencyVsNone.withinNoise).toBe(true);
    expect(json.vendors.none.latencyVsNone).toBeNull();
    expect(json.latencyRanking.ranks).toEqual({ rollbar: null, xray: 1 });
    expect(json.latencyRanking.stableFromRequests).toBeGreaterThan(0);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toMatch(/within noise/);
  });

  it('shows ± intervals, and "within noise" instead of a rank', () => {
    const xray = rowOf(md, 'Latency', 'xray');
    const rollbar = rowOf(md, 'Latency', 'rollbar');
    expect(xray).toMatch(/\+\d+\.\d% ± \d+\.\d/);
    expect(xray).toMatch(/\| 1 \|$/);
    expect(rollbar).toMatch(/± \d+\.\d, within noise/);
    expect(rollbar).toMatch(/\| within noise \|$/);
    expect(md).toMatch(/Ranking stable from about \d+ requests per vendor on this machine/);
    expect(md).toMatch(/A second `none` run after every vendor came out [-+]?\d+\.\d% \(/);
    expect(md).toMatch(/\| \*\*rollbar\*\* \|.*within noise\) \|/);
  });

  it('does not show the baseline as a failure', () => {
    expect(rowOf(md, 'Errors', 'none')).toBe('| none | — (baseline) | — | — | — |');
    expect(rowOf(md, 'Delivery', 'none')).toMatch(/^\| none \| — \(baseline\) \|/);
    expect(md).not.toMatch(/\| none \| 0 \/ 10/);
    expect(writeupMarkdown(r, NO_SCREENSHOTS)).toMatch(/\| \*\*none\*\* \|.*\(baseline\) \|/);
  });

  it("counts X-Ray's native records as a fidelity fact beside its one error per occurrence", () => {
    expect(rowOf(md, 'Errors', 'xray')).toBe('| xray | 10 / 10 | 40 (4 per error) | 10 | 10 |');
  });

  it('explains a negative time to visible instead of printing it bare', () => {
    expect(timeToVisibleText(-3)).toBe('≈ 0 ms (-3 ms: sent before the response)');
    expect(timeToVisibleText(420)).toBe('420 ms');
    expect(rowOf(md, 'Cost', 'xray')).toContain('sent before the response');
    expect(md).toMatch(/A negative figure means the data arrived before the response did/);
  });
});
