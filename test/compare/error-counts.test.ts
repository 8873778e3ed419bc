/**
 * The sandbox's Errors view, its side-by-side view and the compare report count the same errors for one dataset:
 * each vendor's failures sent the way its SDK sends them (X-Ray's cause on the segment and three subsegments,
 * dd-trace's tag on each Express layer, OTel's exception event twice, CloudWatch's two exception lines plus an
 * access-log line).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../adapters/types';
import { collectVendor } from '../../harness/compare/collect';
import { computeMetrics, type SentRequest } from '../../harness/compare/metrics';
import type { ErrorRecord, LogRecord, SandboxVendor, SpanRecord } from '../../sandbox/model';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { batch, error, log, meta, requestSpans } from '../sandbox/records';

const RUN = 'run-counts';
const SEQS = [1, 2, 3, 4, 5, 6];
const FAILED = [2, 5];
const VENDORS: Array<{ vendor: SandboxVendor; signals: Signal[]; recordsPerFailure: number }> = [
  { vendor: 'xray', signals: ['traces', 'errors'], recordsPerFailure: 4 },
  { vendor: 'honeycomb', signals: ['traces', 'errors'], recordsPerFailure: 2 },
  { vendor: 'datadog', signals: ['traces', 'errors'], recordsPerFailure: 3 },
  { vendor: 'sentry', signals: ['traces', 'errors'], recordsPerFailure: 1 },
  { vendor: 'rollbar', signals: ['errors'], recordsPerFailure: 1 },
  { vendor: 'cloudwatch', signals: ['logs'], recordsPerFailure: 2 },
];

const traceIdOf = (vendor: string, seq: number) => (vendor === 'xray' ? `1-${seq}-abc` : `${vendor}${seq}`);

/** What each vendor's SDK sends for request `seq`. */
function dataFor(vendor: SandboxVendor, seq: number) {
  const traceId = traceIdOf(vendor, seq);
  const failed = FAILED.includes(seq);
  const spans: SpanRecord[] =
    vendor === 'rollbar' || vendor === 'cloudwatch'
      ? []
      : requestSpans(vendor, traceId, RUN, seq, { base: 1_700_000_000_000 + seq * 1000, fail: failed });
  const errors: ErrorRecord[] = [];
  const logs: LogRecord[] = [];
  const fault = {
    type: 'ReplyWriteError',
    message: 'reply write failed',
    traceId: vendor === 'rollbar' ? null : traceId,
    runId: RUN,
    seq,
    frames: [{ function: 'reply', file: 'app/routes.js', line: 12 }],
  };
  if (vendor === 'cloudwatch') {
    const corr = { runId: RUN, seq, group: '/bakeoff', stream: 'activities' };
    const keys = { 'bakeoff.run_id': RUN, 'bakeoff.seq': seq };
    logs.push(
      log('cloudwatch', {
        ...corr,
        message: `GET /api/activities/home ${failed ? 500 : 200}`,
        attributes: keys,
      }),
    );
    if (failed) {
      logs[0].level = 'error';
      for (let i = 0; i < 2; i++) {
        logs.push(
          log('cloudwatch', {
            ...corr,
            level: 'error',
            message: 'ReplyWriteError: reply write failed',
            attributes: { ...keys, 'error.type': 'ReplyWriteError', 'error.message': 'reply write failed' },
          }),
        );
      }
    }
  } else if (failed) {
    const recordsPerFailure = VENDORS.find((v) => v.vendor === vendor)!.recordsPerFailure;
    const onSpans = ['a1', 'a2', 'a3', 'b1'].slice(0, recordsPerFailure);
    for (const spanId of onSpans) errors.push(error(vendor, { ...fault, spanId }));
  }
  return batch({ spans, errors, logs });
}

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  for (const { vendor } of VENDORS) {
    for (const seq of SEQS) sandbox.store.accept(vendor, meta(), dataFor(vendor, seq));
  }
});

afterAll(async () => {
  await sandbox?.close();
});

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${sandbox.url}${path}`)).json()) as T;

const sent: SentRequest[] = SEQS.map((seq) => ({
  seq,
  route: 'POST /api/activities/:uuid/reply',
  status: FAILED.includes(seq) ? 500 : 200,
  endMs: 1_700_000_000_000 + seq * 1000 + 200,
  latencyMs: 20,
  chaos: FAILED.includes(seq) ? 'rule=reply;fault=ReplyWriteError' : null,
}));

describe('the Errors view, the side-by-side view and the report count the same errors', () => {
  it.each(VENDORS)('$vendor: one per failed request, its native records kept inside', async (spec) => {
    // Exactly the query the Errors view makes for a vendor and a run.
    const rows = await api<Array<{ seq: number; runId: string; recordCount: number; records: unknown[] }>>(
      `/api/errors?limit=300&vendor=${spec.vendor}&run=${RUN}`,
    );
    const haul = await collectVendor(sandbox.url, spec.vendor, RUN, { since: 0, until: Date.now() });
    const metrics = computeMetrics({
      signals: spec.signals,
      haul,
      sent,
      propagationHeaders: [],
      usersCalled: new Set(),
    });
    const side = await api<{ requests: Array<{ vendors: Record<string, { errors: unknown[] }> }> }>(
      `/api/runs/${RUN}/requests`,
    );
    const sideBySide = side.requests.reduce((n, r) => n + (r.vendors[spec.vendor]?.errors.length ?? 0), 0);

    expect(rows.map((r) => r.seq).sort()).toEqual(FAILED);
    expect(rows.every((r) => r.runId === RUN)).toBe(true);
    expect(metrics.errorsCaptured).toBe(rows.length);
    expect(metrics.errorsInjected).toBe(FAILED.length);
    expect(sideBySide).toBe(rows.length);
    // The native records are a fidelity fact, not extra errors.
    expect(rows.map((r) => r.recordCount)).toEqual(FAILED.map(() => spec.recordsPerFailure));
    expect(rows.every((r) => r.records.length === r.recordCount)).toBe(true);
    expect(metrics.errorRecords).toBe(FAILED.length * spec.recordsPerFailure);
  });

  it('counts nothing for the baseline, instead of a failure', () => {
    const metrics = computeMetrics({
      signals: [],
      haul: { traces: [], errors: [], logs: [], payloads: [] },
      sent,
      propagationHeaders: [],
      usersCalled: new Set(),
    });
    expect(metrics).toMatchObject({ errorsInjected: 2, errorsCaptured: null, errorRecords: null });
  });

  it("names a log shipper's correlation keys after its log lines, not its error rows", async () => {
    const haul = await collectVendor(sandbox.url, 'cloudwatch', RUN, { since: 0, until: Date.now() });
    const metrics = computeMetrics({
      signals: ['logs'],
      haul,
      sent,
      propagationHeaders: [],
      usersCalled: new Set(),
    });
    expect(metrics.errorsCaptured).toBe(2);
    expect(metrics.attributesKept['bakeoff.run_id']).toBe('log:bakeoff.run_id');
    expect(metrics.attributesKept['bakeoff.seq']).toBe('log:bakeoff.seq');
  });
});
