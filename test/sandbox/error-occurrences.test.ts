import { describe, expect, it } from 'vitest';
import {
  type ErrorOccurrence,
  errorOccurrences,
  exceptionOfLog,
  listOccurrences,
  OCCURRENCE_RULES,
} from '../../sandbox/error-occurrences';
import { SANDBOX_VENDORS, type SandboxVendor, type SpanRecord } from '../../sandbox/model';
import { SandboxStore } from '../../sandbox/store';
import { batch, error, log, meta, span } from './records';

/** Newest first, as the store lists records. */
const newestFirst = <T>(records: T[]) => [...records].reverse();

function lookup(spans: SpanRecord[]) {
  const byKey = new Map(spans.map((s) => [`${s.vendor}/${s.traceId}/${s.spanId}`, s]));
  return (vendor: SandboxVendor, traceId: string, spanId: string) =>
    byKey.get(`${vendor}/${traceId}/${spanId}`) ?? null;
}

const summary = (o: ErrorOccurrence) => [o.vendor, o.type, o.seq, o.recordCount];

describe('one error per occurrence', () => {
  it("counts X-Ray's cause copied onto the segment and three subsegments as one fault, shown from the segment", () => {
    const spans = [
      span('xray', '1-t', 'seg', { service: 'activities', kind: 'server' }),
      span('xray', '1-t', 'express', { parentId: 'seg', service: 'activities' }),
      span('xray', '1-t', 'handler', { parentId: 'express', service: 'activities' }),
      span('xray', '1-t', 'db', { parentId: 'handler', service: 'activities' }),
    ];
    const fault = { traceId: '1-t', runId: 'r', seq: 7, type: 'ReplyWriteError', message: 'write failed' };
    // Subsegments stream first; the segment (the service entry) arrives last.
    const records = [
      error('xray', { ...fault, spanId: 'db', frames: [{ function: 'write', file: 'db.js', line: 3 }] }),
      error('xray', { ...fault, spanId: 'handler' }),
      error('xray', { ...fault, spanId: 'express' }),
      error('xray', { ...fault, spanId: 'seg', attributes: { 'span.name': 'activities' } }),
    ];
    const [only, ...rest] = errorOccurrences(newestFirst(records), [], { spanOf: lookup(spans) });
    expect(rest).toEqual([]);
    expect(only).toMatchObject({
      type: 'ReplyWriteError',
      runId: 'r',
      seq: 7,
      recordCount: 4,
      spanId: 'seg',
    });
    // The segment's copy has no stack; the occurrence keeps the one a subsegment sent.
    expect(only.frames).toEqual([{ function: 'write', file: 'db.js', line: 3 }]);
    expect(only.records.map((r) => (r as { spanId: string }).spanId)).toEqual([
      'db',
      'handler',
      'express',
      'seg',
    ]);
  });

  it('counts the same exception event on two Honeycomb spans of one trace once, a different message apart', () => {
    const one = { traceId: 'abc', runId: 'r', seq: 1, type: 'DatabaseUnavailableError', message: 'down' };
    const records = [
      error('honeycomb', { ...one, spanId: 'root' }),
      error('honeycomb', { ...one, spanId: 'layer' }),
      error('honeycomb', { ...one, spanId: 'layer', message: 'another failure' }),
    ];
    expect(errorOccurrences(newestFirst(records)).map(summary)).toEqual([
      ['honeycomb', 'DatabaseUnavailableError', 1, 1],
      ['honeycomb', 'DatabaseUnavailableError', 1, 2],
    ]);
  });

  it('keeps every Sentry event and every Rollbar item: each is one occurrence in their consoles', () => {
    const same = { traceId: 'abc', runId: 'r', seq: 2, type: 'ReplyWriteError', message: 'x' };
    const records = [
      error('sentry', same),
      error('sentry', same),
      error('rollbar', same),
      error('rollbar', same),
    ];
    expect(errorOccurrences(newestFirst(records)).map((o) => o.recordCount)).toEqual([1, 1, 1, 1]);
  });

  it("shows Datadog's error from the service-entry span whatever order the tagged spans arrive in", () => {
    const spans = [
      span('datadog', 'd1', 'entry', { service: 'activities', kind: 'server' }),
      span('datadog', 'd1', 'mw1', { parentId: 'entry', service: 'activities' }),
      span('datadog', 'd1', 'mw2', { parentId: 'mw1', service: 'activities' }),
    ];
    const base = { traceId: 'd1', runId: 'r', seq: 3, type: 'Error', message: 'boom' };
    const records = [
      error('datadog', { ...base, spanId: 'mw2', attributes: { 'span.name': 'express.middleware' } }),
      error('datadog', { ...base, spanId: 'mw1', attributes: { 'span.name': 'express.middleware' } }),
      error('datadog', { ...base, spanId: 'entry', attributes: { 'span.name': 'express.request' } }),
    ];
    const occurrences = errorOccurrences(newestFirst(records), [], { spanOf: lookup(spans) });
    expect(occurrences).toHaveLength(1);
    expect(occurrences[0]).toMatchObject({ spanId: 'entry', recordCount: 3 });
    expect(occurrences[0].attributes['span.name']).toBe('express.request');
  });

  it('treats an error in the users service (another service, same trace) as the entry of its own part', () => {
    const spans = [
      span('datadog', 'd2', 'a', { service: 'activities' }),
      span('datadog', 'd2', 'b', { parentId: 'a', service: 'users' }),
      span('datadog', 'd2', 'c', { parentId: 'b', service: 'users' }),
    ];
    const base = { traceId: 'd2', runId: 'r', seq: 4, type: 'UpstreamError', message: 'users failed' };
    const records = [error('datadog', { ...base, spanId: 'c' }), error('datadog', { ...base, spanId: 'b' })];
    const [o] = errorOccurrences(newestFirst(records), [], { spanOf: lookup(spans) });
    expect(o).toMatchObject({ spanId: 'b', recordCount: 2 });
  });

  it("reads CloudWatch's errors from log lines that carry an exception, one per request, type and message", () => {
    const corr = { runId: 'r', seq: 5, group: 'g', stream: 's' };
    const lines = [
      // The adapter's captured-error line and the app's error log: one exception, two lines.
      log('cloudwatch', {
        ...corr,
        level: 'error',
        message: 'ReplyWriteError: write failed',
        attributes: {
          'error.type': 'ReplyWriteError',
          'error.message': 'write failed',
          'error.stack': 'at x',
        },
      }),
      log('cloudwatch', {
        ...corr,
        level: 'error',
        message: 'ReplyWriteError: write failed',
        attributes: { 'error.type': 'ReplyWriteError', 'error.message': 'write failed' },
      }),
      // The access log of the same request: level error, but no exception.
      log('cloudwatch', { ...corr, level: 'error', message: 'POST /api/activities/x/reply 500' }),
      log('cloudwatch', { ...corr, seq: 6, level: 'info', message: 'GET /api/activities/home 200' }),
      // Another request's exception at warn level is an occurrence too.
      log('cloudwatch', {
        ...corr,
        seq: 8,
        level: 'warn',
        message: 'Unauthorized',
        attributes: { 'error.type': 'AuthError' },
      }),
    ];
    const occurrences = errorOccurrences([], newestFirst(lines));
    expect(occurrences.map(summary)).toEqual([
      ['cloudwatch', 'AuthError', 8, 1],
      ['cloudwatch', 'ReplyWriteError', 5, 2],
    ]);
    expect(occurrences[1]).toMatchObject({ message: 'write failed', frames: [] });
    expect(exceptionOfLog(lines[2])).toBeNull();
    expect(exceptionOfLog(lines[3])).toBeNull();
  });

  it("ignores error-looking log lines of vendors whose errors are events, and never merges records it can't place", () => {
    const line = log('sentry', { level: 'error', attributes: { 'error.type': 'X' }, runId: 'r', seq: 1 });
    expect(errorOccurrences([], [line])).toEqual([]);
    const loose = [error('xray', { type: 'E', message: 'm' }), error('xray', { type: 'E', message: 'm' })];
    expect(errorOccurrences(loose).map((o) => o.recordCount)).toEqual([1, 1]);
  });

  it('keeps separate requests apart and lists the newest occurrence first', () => {
    const records = [1, 2, 3].flatMap((seq) =>
      [0, 1].map(() => error('xray', { runId: 'r', seq, traceId: `1-${seq}`, type: 'E', message: 'm' })),
    );
    expect(errorOccurrences(newestFirst(records)).map((o) => o.seq)).toEqual([3, 2, 1]);
  });

  it('has a documented rule for every sandbox vendor', () => {
    for (const vendor of SANDBOX_VENDORS) expect(OCCURRENCE_RULES[vendor].console.length).toBeGreaterThan(20);
  });
});

describe('the store applies the same rule for /api/errors and the side-by-side view', () => {
  it('lists one row per occurrence with its native records, and limits rows, not records', () => {
    const store = new SandboxStore();
    for (const seq of [1, 2]) {
      const traceId = `1-${seq}`;
      store.accept(
        'xray',
        meta(),
        batch({
          spans: [
            span('xray', traceId, 'seg', { attributes: { bakeoff_run_id: 'r', bakeoff_seq: seq } }),
            span('xray', traceId, 'sub', { parentId: 'seg' }),
          ],
          errors: ['sub', 'seg'].map((spanId) =>
            error('xray', { traceId, spanId, type: 'E', message: 'm', runId: 'r', seq }),
          ),
        }),
      );
    }
    store.accept(
      'cloudwatch',
      meta(),
      batch({
        logs: [
          log('cloudwatch', {
            runId: 'r',
            seq: 1,
            level: 'error',
            timestamp: 3_000,
            attributes: { 'error.type': 'E' },
          }),
          log('cloudwatch', { runId: 'r', seq: 1, level: 'error', message: 'GET / 500' }),
        ],
      }),
    );
    const rows = listOccurrences(store, { run: 'r' });
    expect(rows.map(summary)).toEqual([
      ['cloudwatch', 'E', 1, 1],
      ['xray', 'E', 2, 2],
      ['xray', 'E', 1, 2],
    ]);
    expect(rows[1]).toMatchObject({ spanId: 'seg', runId: 'r' });
    expect(rows[1].records).toHaveLength(2);
    expect(listOccurrences(store, { vendor: 'xray', run: 'r', limit: 1 })).toHaveLength(1);
    expect(listOccurrences(store, { vendor: 'cloudwatch' })).toHaveLength(1);

    const side = store.runRequests('r');
    const cell = (seq: number, vendor: SandboxVendor) =>
      side.requests.find((r) => r.seq === seq)!.vendors[vendor]!;
    expect(cell(1, 'xray').errors).toEqual([{ type: 'E', message: 'm', traceId: '1-1', recordCount: 2 }]);
    expect(cell(1, 'cloudwatch')).toMatchObject({ error: true, errors: [{ type: 'E', recordCount: 1 }] });
  });
});
