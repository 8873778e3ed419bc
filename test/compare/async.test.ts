/**
 * The compare report's Async figures (harness/compare/async.ts) from sandbox records in each vendor's shape, as
 * the adapters' async tests (test/adapters/async.test.ts) show the real SDKs send them.
 */
import { describe, expect, it } from 'vitest';
import { awsCallOf, computeAsyncMetrics } from '../../harness/compare/async';
import type { VendorHaul } from '../../harness/compare/collect';
import { COMPARE_MAX_RECEIVES } from '../../harness/compare/async-check';
import { plannedWorkerFaults } from '../helpers/worker-faults';
import { computeMetrics } from '../../harness/compare/metrics';
import { planRequests } from '../../harness/load/plan';
import { loadWorkload } from '../../harness/load/workload';
import { asyncSection } from '../../harness/compare/report-async';
import type { CompareResult } from '../../harness/compare/run';
import type { SpanRecord } from '../../shared/sandbox-api';
import { error, log, span } from '../sandbox/records';

function haul(spans: SpanRecord[], over: Partial<VendorHaul> = {}): VendorHaul {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const traces = [...byTrace.entries()].map(([traceId, list]) => ({
    vendor: list[0].vendor,
    traceId,
    rootName: list[0].name,
    rootSpanId: list[0].spanId,
    services: [],
    spanCount: list.length,
    startMs: 0,
    durationMs: 0,
    error: false,
    runId: 'run',
    seq: 1,
    release: null,
    receivedAt: 0,
    updatedAt: 0,
    spans: list,
  }));
  return { traces, errors: [], logs: [], payloads: [], ...over };
}

const sqs = (method: string) => ({ 'rpc.system': 'aws-api', 'rpc.service': 'SQS', 'rpc.method': method });

describe('async metrics', () => {
  it('counts consumer work in the same trace, linked, and unconnected, with the queue delay', () => {
    const spans = [
      // Message 1: the consumer continues the producer's trace (delay 50 ms after the send ended).
      span('otlp', 't1', 'p1', {
        kind: 'producer',
        startMs: 100,
        durationMs: 10,
        attributes: sqs('SendMessage'),
      }),
      // Its first delivery failed (error status, receive count 1); the retry 1 s later worked.
      span('otlp', 't1', 'c1', {
        kind: 'consumer',
        parentId: 'p1',
        startMs: 160,
        durationMs: 5,
        status: 'error',
        attributes: { 'messaging.message.id': 'm1', 'messaging.message.delivery_count': 1 },
      }),
      span('otlp', 't1', 'c1b', {
        kind: 'consumer',
        parentId: 'p1',
        startMs: 1160,
        durationMs: 5,
        attributes: { 'messaging.message.id': 'm1', 'messaging.message.delivery_count': 2 },
      }),
      span('otlp', 't1', 'd1', {
        kind: 'client',
        parentId: 'c1',
        startMs: 161,
        attributes: sqs('DeleteMessage'),
      }),
      // Message 2: the consumer has its own trace and links the producer (delay 70 ms).
      span('otlp', 't2', 'p2', {
        kind: 'producer',
        startMs: 200,
        durationMs: 10,
        attributes: sqs('SendMessage'),
      }),
      span('otlp', 't3', 'c2', {
        kind: 'consumer',
        startMs: 280,
        links: [{ traceId: 't2', spanId: 'p2', attributes: {} }],
        attributes: { 'messaging.message.id': 'm2' },
      }),
      // Message 3: sent, never connected to any consumer work.
      span('otlp', 't4', 'p3', {
        kind: 'producer',
        startMs: 300,
        durationMs: 10,
        attributes: sqs('SendMessage'),
      }),
      // A receive call is an AWS SDK call, not consumer work, even though its kind is consumer.
      span('otlp', 't5', 'r1', { kind: 'consumer', startMs: 150, attributes: sqs('ReceiveMessage') }),
    ];
    const m = computeAsyncMetrics(haul(spans), true);
    // Per message: m1 (two deliveries) in its trace, m2 linked, message 3 never connected; two handled.
    expect(m).toMatchObject({ sent: 3, processed: 2, sameTrace: 1, linked: 1, unconnected: 1 });
    // The first delivery's start counts: 50 ms for m1, not its retry a second later.
    expect(m.queueDelayMsP50).toBe(50);
    expect(m.awsCallsCaptured).toBe(5);
    expect(m.awsOperations).toEqual(['SQS.DeleteMessage', 'SQS.ReceiveMessage', 'SQS.SendMessage']);
    expect(m.retries).toBe(1);
  });

  it("counts redeliveries and dead letters as a tracer's data shows them, with the worker's bytes", () => {
    const spans = [
      span('sentry', 't1', 'p1', { kind: 'producer', attributes: sqs('SendMessage') }),
      // Sentry's consumer transaction spells the attempt as a retry count; the app's span inside says which
      // message it handled and failed.
      span('sentry', 't1', 'c1', {
        kind: 'consumer',
        parentId: 'p1',
        status: 'error',
        attributes: { 'messaging.message.id': 'dead', 'messaging.message.retry.count': 0 },
      }),
      span('sentry', 't1', 'c2', {
        kind: 'consumer',
        parentId: 'p1',
        status: 'error',
        attributes: { 'messaging.message.id': 'dead', 'messaging.message.retry.count': 1 },
      }),
      // X-Ray's segment and the app's own span spell it differently; the same delivery counts once.
      span('xray', 't2', 'seg', {
        kind: 'consumer',
        attributes: { 'aws.message_id': 'm2', 'aws.receive_count': 2 },
      }),
      // X-Ray annotations allow no dots: the app's keys arrive with underscores.
      span('xray', 't2', 'proc', {
        parentId: 'seg',
        status: 'error',
        attributes: { messaging_message_id: 'm2', messaging_sqs_receive_count: 2 },
      }),
    ];
    const deadLetters = [
      { id: 'dead', seq: 3, activityId: null },
      { id: 'm2', seq: 5, activityId: null },
      { id: 'unseen', seq: 4, activityId: null },
    ];
    const mentions = { expected: 4, found: 4 };
    const m = computeAsyncMetrics(haul(spans), true, {
      deadLetters,
      workerBytes: 12_345,
      redeliveries: 3,
      mentions,
    });
    expect(m.retries).toBe(2);
    expect(m.redeliveries).toBe(3);
    expect(m.dlq).toEqual({ moved: 3, failedVisible: 2 });
    expect(m.bytes).toBe(12_345);
    expect(m.mentions).toEqual(mentions);
    expect(m.processed).toBe(1);
  });

  it('reads retries and dead letters from the worker records of vendors without traces', () => {
    // What the queue itself says, the same for both vendors: d was dead-lettered, 2 redeliveries in all.
    const queue = {
      deadLetters: [{ id: 'd', seq: 1, activityId: null }],
      workerBytes: 0,
      redeliveries: 2,
      mentions: null,
    };
    const line = (id: string, receiveCount: number, level = 'info') =>
      log('cloudwatch', {
        level,
        attributes: { 'messaging.message.id': id, 'messaging.sqs.receive_count': receiveCount },
      });
    const cloudwatch = computeAsyncMetrics(
      haul([], {
        logs: [
          line('a', 1, 'error'),
          line('a', 2),
          line('b', 1),
          line('d', 1, 'error'),
          line('d', 2, 'error'),
        ],
      }),
      false,
      queue,
    );
    // a: failed then handled; b: handled; d: failed twice, dead-lettered.
    expect(cloudwatch).toMatchObject({ processed: 2, retries: 2, dlq: { moved: 1, failedVisible: 1 } });
    // Rollbar holds the failures only: a's retry that worked leaves no item.
    const item = (id: string, receiveCount: number) => ({
      ...error('rollbar', {
        level: 'warning',
        attributes: { 'messaging.message.id': id, 'messaging.sqs.receive_count': receiveCount },
      }),
      records: [],
      recordCount: 1,
    });
    const rollbar = computeAsyncMetrics(
      haul([], { errors: [item('a', 1), item('d', 1), item('d', 2)] }),
      false,
      queue,
    );
    expect(rollbar).toMatchObject({ processed: 0, retries: 1, dlq: { moved: 1, failedVisible: 1 } });
  });

  it("reads each vendor's spelling of an AWS SDK call", () => {
    expect(awsCallOf(span('otlp', 't', 's', { attributes: sqs('SendMessage') }))).toBe('SQS.SendMessage');
    const dd = span('datadog', 't', 's', {
      kind: 'producer',
      attributes: { component: 'aws-sdk', 'aws.service': 'SQS', 'aws.operation': 'sendMessage' },
    });
    expect(awsCallOf(dd)).toBe('SQS.SendMessage');
    const xray = span('xray', 't', 's', {
      name: 'SQS',
      parentId: 'seg',
      attributes: { 'aws.operation': 'DeleteMessage' },
    });
    expect(awsCallOf(xray)).toBe('SQS.DeleteMessage');
    // X-Ray's worker segment names the queue in its `aws` block too: a segment is not a call.
    // It has a parent too: the SendMessage subsegment whose trace it continues.
    const segment = span('xray', 't', 'seg', {
      parentId: 'send',
      kind: 'consumer',
      attributes: { 'aws.queue_url': 'http://sqs/000000000000/q', 'aws.operation': 'ReceiveMessage' },
    });
    expect(awsCallOf(segment)).toBeUndefined();
  });

  it('without traces, counts the worker records that name a message', () => {
    const line = (id: string) => ({
      vendor: 'cloudwatch' as const,
      timestamp: 0,
      level: 'info',
      message: 'notified',
      traceId: null,
      spanId: null,
      runId: 'run',
      seq: 1,
      attributes: { 'messaging.message.id': id },
    });
    const m = computeAsyncMetrics(haul([], { logs: [line('a'), line('a'), line('b')] as never }), false);
    expect(m).toMatchObject({ sent: null, processed: 2, sameTrace: null, linked: null, unconnected: null });
  });

  it('renders the Async table: retries, dead letters, worker bytes and mentions, and what a vendor cannot show', () => {
    const base = {
      notifying: 10,
      awsOperations: ['SQS.SendMessage'],
      redeliveries: 3,
      dlq: { moved: 1, failedVisible: 1 },
      bytes: 25_000,
      mentions: { expected: 5, found: 5 },
    };
    const result = {
      vendors: {
        none: { signals: [], async: null },
        honeycomb: {
          signals: ['traces', 'errors'],
          async: {
            ...base,
            sent: 10,
            processed: 9,
            sameTrace: 9,
            linked: 1,
            unconnected: 0,
            queueDelayMsP50: 42,
            awsCallsCaptured: 30,
            retries: 3,
          },
        },
        rollbar: {
          signals: ['errors'],
          async: {
            ...base,
            sent: null,
            processed: 0,
            sameTrace: null,
            linked: null,
            unconnected: null,
            queueDelayMsP50: null,
            awsCallsCaptured: 0,
            retries: 1,
          },
        },
      },
    } as unknown as CompareResult;
    const md = asyncSection(result, (head, rows) =>
      [head.join('|'), ...rows.map((r) => r.join('|'))].join('\n'),
    );
    expect(md).toContain(
      '**honeycomb**|10 / 10 / 9|9 / 1 / 0|42 ms|30 (SQS.SendMessage)|3 / 3|1 / 1|25.0 kB (2500 B/message)|5 / 5',
    );
    expect(md).toContain(
      '**rollbar**|10 / — (no traces) / 0|— (no traces)|— (no traces)|none, no tracing|' +
        '3 / 1 (failed ones only: no success records)|1 / 1|25.0 kB (2500 B/message)|5 / 5',
    );
    expect(md).toContain('retries: app / visible|DLQ: moved / shown failed|worker bytes|@mentions notified');
    expect(md).not.toContain('**none**');
  });

  it("keeps the worker's failures out of the request error counts: they are the Async table's", () => {
    const occurrence = (seq: number, attributes: Record<string, unknown>) => ({
      ...error('rollbar', { runId: 'run', seq, attributes }),
      records: [],
      recordCount: 1,
    });
    const metrics = computeMetrics({
      signals: ['errors'],
      haul: haul([], {
        errors: [
          occurrence(1, {}),
          // The worker's failed delivery of seq 2's message carries seq 2, a request that succeeded.
          occurrence(2, { 'messaging.message.id': 'm2', 'messaging.sqs.receive_count': 1 }),
        ],
      }),
      sent: [
        { seq: 1, route: 'POST /api/activities', status: 503, endMs: 0, latencyMs: 1, chaos: 'fault=x' },
        { seq: 2, route: 'POST /api/activities', status: 201, endMs: 0, latencyMs: 1, chaos: null },
      ],
      propagationHeaders: [],
      usersCalled: new Set(),
    });
    expect(metrics).toMatchObject({ errorsInjected: 1, errorsCaptured: 1, expected: 1, delivered: 1 });
    expect(metrics.async).toMatchObject({ notifying: 1, retries: 0 });
  });

  it('the compare scenario fails some worker deliveries: retries and dead letters in a 200-request run', () => {
    const writes = planRequests(loadWorkload('mixed'), 42, 200)
      .filter((r) => r.kind === 'create' || r.kind === 'reply')
      .map((r) => r.seq);
    const compare = plannedWorkerFaults('compare', 42, writes, COMPARE_MAX_RECEIVES);
    expect(compare.deadLettered).toBeGreaterThan(0);
    expect(compare.redeliveries).toBeGreaterThan(compare.deadLettered);
    expect(plannedWorkerFaults('off', 42, writes, COMPARE_MAX_RECEIVES)).toEqual({
      redeliveries: 0,
      deadLettered: 0,
    });
  });

  it("does not take a trace only the worker made (OTel's standalone error span) for a request's trace", () => {
    const request = haul([
      span('honeycomb', 't1', 'root', { kind: 'server', service: 'activities' }),
      span('honeycomb', 't1', 'users', { kind: 'server', parentId: 'root', service: 'users' }),
    ]).traces[0];
    const workerError = haul([
      span('honeycomb', 't2', 'err', { name: 'error NotifyFailed', service: 'notifications' }),
    ]).traces[0];
    const metrics = computeMetrics({
      signals: ['traces', 'errors'],
      haul: {
        traces: [
          { ...request, services: ['activities', 'users'] },
          { ...workerError, services: ['notifications'] },
        ],
        errors: [],
        logs: [],
        payloads: [],
      },
      sent: [{ seq: 1, route: 'POST /api/activities', status: 201, endMs: 0, latencyMs: 1, chaos: null }],
      propagationHeaders: [],
      usersCalled: new Set([1]),
    });
    expect(metrics).toMatchObject({ expected: 1, delivered: 1, crossServiceLinked: 1, spansPerRequest: 2 });
  });
});
