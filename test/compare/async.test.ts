/**
 * The compare report's Async figures (harness/compare/async.ts) from sandbox records in each vendor's shape, as
 * the adapters' async tests (test/adapters/async.test.ts) show the real SDKs send them.
 */
import { describe, expect, it } from 'vitest';
import { awsCallOf, computeAsyncMetrics } from '../../harness/compare/async';
import type { VendorHaul } from '../../harness/compare/collect';
import { asyncSection } from '../../harness/compare/report-async';
import type { CompareResult } from '../../harness/compare/run';
import type { SpanRecord } from '../../shared/sandbox-api';
import { span } from '../sandbox/records';

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
      span('otlp', 't1', 'c1', { kind: 'consumer', parentId: 'p1', startMs: 160, durationMs: 5 }),
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
        attributes: { 'messaging.message.delivery_count': 2 },
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
    expect(m).toMatchObject({ sent: 3, processed: 2, sameTrace: 1, linked: 1, unconnected: 1 });
    expect(m.queueDelayMsP50).toBe(50);
    expect(m.awsCallsCaptured).toBe(5);
    expect(m.awsOperations).toEqual(['SQS.DeleteMessage', 'SQS.ReceiveMessage', 'SQS.SendMessage']);
    expect(m.retriesVisible).toBe(1);
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
    const log = (id: string) => ({
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
    const m = computeAsyncMetrics(haul([], { logs: [log('a'), log('a'), log('b')] as never }), false);
    expect(m).toMatchObject({ sent: null, processed: 2, sameTrace: null, linked: null, unconnected: null });
  });

  it('renders the Async table, saying where a vendor has no traces', () => {
    const base = { notifying: 10, awsOperations: ['SQS.SendMessage'], retriesVisible: 0 };
    const result = {
      vendors: {
        none: { async: null },
        honeycomb: {
          async: {
            ...base,
            sent: 10,
            processed: 10,
            sameTrace: 9,
            linked: 1,
            unconnected: 0,
            queueDelayMsP50: 42,
            awsCallsCaptured: 30,
          },
        },
        rollbar: {
          async: {
            ...base,
            sent: null,
            processed: 1,
            sameTrace: null,
            linked: null,
            unconnected: null,
            queueDelayMsP50: null,
            awsCallsCaptured: 0,
          },
        },
      },
    } as unknown as CompareResult;
    const md = asyncSection(result, (head, rows) =>
      [head.join('|'), ...rows.map((r) => r.join('|'))].join('\n'),
    );
    expect(md).toContain('**honeycomb**|10 / 10 / 10|9 / 1 / 0|42 ms|30 (SQS.SendMessage)|0');
    expect(md).toContain('**rollbar**|10 / — (no traces) / 1|— (no traces)|—|none|—');
    expect(md).not.toContain('**none**');
  });
});
