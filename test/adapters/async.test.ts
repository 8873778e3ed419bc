/**
 * The conformance suite's async case, for every adapter: a request sends an SQS message (producer process), the
 * worker receives and handles it (consumer process), real SDKs against the sandbox's SQS emulator. Asserted in
 * the sandbox: each vendor's AWS SDK call spans (service, operation), the producer and consumer spans and how
 * they are joined (same trace, parent, link); for Rollbar and CloudWatch, the worker's error and log lines
 * carrying the originating request's run id and seq.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxVendor, SpanRecord } from '../../shared/sandbox-api';
import { type AsyncRun, MESSAGES, runAsyncHop } from './async-harness';
import { eventually } from './harness';

type Span = SpanRecord;

/** How a vendor names an AWS SDK call's service and operation on its span. */
interface AwsCall {
  service(span: Span): unknown;
  operation(span: Span): unknown;
  messageId(span: Span): unknown;
}

const OTEL_CALL: AwsCall = {
  service: (s) => s.attributes['rpc.service'],
  operation: (s) => s.attributes['rpc.method'],
  messageId: (s) => s.attributes['messaging.message.id'],
};
const XRAY_CALL: AwsCall = {
  // The subsegment's name is the service; `aws.operation` the call.
  service: (s) => s.name,
  operation: (s) => s.attributes['aws.operation'],
  messageId: (s) => s.attributes['aws.message_id'],
};
const DATADOG_CALL: AwsCall = {
  service: (s) => s.attributes['aws.service'],
  // dd-trace spells operations in camel case (`sendMessage`).
  operation: (s) => {
    const op = s.attributes['aws.operation'];
    return typeof op === 'string' ? op[0].toUpperCase() + op.slice(1) : op;
  },
  messageId: () => undefined,
};

interface TracingCase {
  observability: string;
  vendor: SandboxVendor;
  call: AwsCall;
  /** The consumer span/segment of one message. */
  isConsumer(span: Span, messageId: string): boolean;
  /** True when the vendor also records the producer as a span link on the consumer side. */
  links: boolean;
}

const processSpan = (s: Span, id: string) =>
  s.kind === 'consumer' && s.attributes['messaging.message.id'] === id;

const TRACING: TracingCase[] = [
  { observability: 'honeycomb', vendor: 'honeycomb', call: OTEL_CALL, isConsumer: processSpan, links: true },
  { observability: 'otlp', vendor: 'otlp', call: OTEL_CALL, isConsumer: processSpan, links: true },
  { observability: 'xray-otel', vendor: 'xray-otel', call: OTEL_CALL, isConsumer: processSpan, links: true },
  { observability: 'sentry', vendor: 'sentry', call: OTEL_CALL, isConsumer: processSpan, links: false },
  { observability: 'datadog', vendor: 'datadog', call: DATADOG_CALL, isConsumer: processSpan, links: false },
  {
    observability: 'xray',
    vendor: 'xray',
    call: XRAY_CALL,
    isConsumer: (s, id) => s.kind === 'consumer' && s.attributes['aws.message_id'] === id,
    links: false,
  },
];

for (const spec of TRACING) {
  describe(`async hop: ${spec.observability}`, () => {
    let run: AsyncRun;
    let spans: Span[];
    const sqsCall = (s: Span, operation: string) =>
      spec.call.service(s) === 'SQS' && spec.call.operation(s) === operation;

    beforeAll(async () => {
      run = await runAsyncHop(spec.observability);
      const ids = run.produced.sent.map((m) => m.messageId);
      // Everything both processes flushed on exit: every message's consumer span and its DeleteMessage.
      spans = await eventually(async () => {
        const all = await run.spans(spec.vendor);
        const done = ids.every((id) => all.some((s) => spec.isConsumer(s, id)));
        return done && all.filter((s) => sqsCall(s, 'DeleteMessage')).length >= MESSAGES ? all : undefined;
      });
    }, 90_000);
    afterAll(() => run?.close());

    it('the worker handled every message', () => {
      expect(run.consumed.handled.map((m) => m.seq).sort()).toEqual([1, 2]);
    });

    it("records the SendMessage call as a producer span in the request's trace", () => {
      for (const { messageId } of run.produced.sent) {
        const producer = spans.find((s) => sqsCall(s, 'SendMessage') && spec.call.messageId(s) === messageId);
        // Datadog does not tag the message id on its producer span: any SendMessage of the request's trace.
        const send = producer ?? spans.find((s) => sqsCall(s, 'SendMessage') && spec.vendor === 'datadog');
        expect(send, `SendMessage span for ${messageId}`).toBeDefined();
        expect(send!.kind).toBe('producer');
        expect(send!.service).toMatch(/^activities/);
        const root = spans.find(
          (s) => s.traceId === send!.traceId && s.kind === 'server' && s.service === 'activities',
        );
        expect(root?.attributes).toMatchObject(
          spec.vendor === 'xray' ? { bakeoff_run_id: run.runId } : { 'bakeoff.run_id': run.runId },
        );
      }
    });

    it("continues the producer's trace in the consumer: same trace, the producer span as parent", () => {
      for (const { messageId } of run.produced.sent) {
        const consumer = spans.find((s) => spec.isConsumer(s, messageId))!;
        expect(consumer.service).toBe('notifications');
        const parent = spans.find((s) => s.spanId === consumer.parentId && s.traceId === consumer.traceId);
        expect(parent, `parent of the consumer of ${messageId}`).toBeDefined();
        expect(spec.call.operation(parent!)).toBe('SendMessage');
        expect(parent!.service).toMatch(/^activities/);
        if (spec.links) expect(consumer.links?.map((l) => l.spanId)).toContain(parent!.spanId);
      }
    });

    it("records the worker's AWS SDK calls (DeleteMessage) inside the consumer span", () => {
      for (const { messageId } of run.produced.sent) {
        const consumer = spans.find((s) => spec.isConsumer(s, messageId))!;
        const deletes = spans.filter((s) => sqsCall(s, 'DeleteMessage') && s.parentId === consumer.spanId);
        expect(deletes, `DeleteMessage under the consumer of ${messageId}`).toHaveLength(1);
        expect(deletes[0].kind).toBe('client');
      }
    });

    it("files the worker's error under the originating request's trace", async () => {
      const failed = run.produced.sent[MESSAGES - 1].messageId;
      const consumer = spans.find((s) => spec.isConsumer(s, failed))!;
      const errors = await eventually(async () => {
        const list = await run.errors(spec.vendor);
        return list.length > 0 ? list : undefined;
      });
      const error = errors.find((e) => e.message === `notification ${MESSAGES} failed`);
      expect(error?.traceId).toBe(consumer.traceId);
      expect(error?.runId).toBe(run.runId);
    });
  });
}

if (TRACING.some((spec) => spec.links)) {
  describe('async hop: OpenTelemetry receive spans', () => {
    let run: AsyncRun;
    beforeAll(async () => {
      run = await runAsyncHop('honeycomb');
    }, 90_000);
    afterAll(() => run?.close());

    it('link every received message to its producer (one receive, a link per message)', async () => {
      const spans = await eventually(async () => {
        const all = await run.spans('honeycomb');
        return all.some((s) => s.attributes['messaging.operation.type'] === 'receive') ? all : undefined;
      });
      const receives = spans.filter((s) => s.attributes['messaging.operation.type'] === 'receive');
      const linked = receives.flatMap((s) => s.links ?? []).map((l) => l.spanId);
      const producers = spans.filter((s) => s.kind === 'producer').map((s) => s.spanId);
      expect(producers).toHaveLength(MESSAGES);
      expect(linked.sort()).toEqual([...producers].sort());
      expect(receives.every((s) => s.kind === 'consumer' && s.service === 'notifications')).toBe(true);
    });
  });
}

describe('async hop: an OTel adapter next to cloudwatch', () => {
  let run: AsyncRun;
  beforeAll(async () => {
    run = await runAsyncHop('honeycomb,cloudwatch');
  }, 90_000);
  afterAll(() => run?.close());

  it("traces the app's SQS calls but not the cloudwatch adapter's log uploads (a vendor's, not the app's)", async () => {
    const logs = await eventually(async () => {
      const list = await run.logs('cloudwatch');
      return list.length >= MESSAGES ? list : undefined;
    });
    expect(logs.some((l) => l.message === 'notification for activity 1')).toBe(true);
    const spans = await eventually(async () => {
      const all = await run.spans('honeycomb');
      return all.filter((s) => s.attributes['rpc.method'] === 'DeleteMessage').length >= MESSAGES
        ? all
        : undefined;
    });
    const services = new Set(spans.map((s) => s.attributes['rpc.service']).filter(Boolean));
    expect([...services]).toEqual(['SQS']);
  });
});

/** Rollbar and CloudWatch have no trace to continue: the request's ids travel in a message attribute. */
describe('async hop: rollbar', () => {
  let run: AsyncRun;
  beforeAll(async () => {
    run = await runAsyncHop('rollbar');
  }, 90_000);
  afterAll(() => run?.close());

  it("sends the request's run id and seq in one message attribute, and the worker's item carries them", async () => {
    expect(run.produced.sent.every((m) => m.carrierKeys.includes('bakeoff-origin'))).toBe(true);
    const failed = run.produced.sent[MESSAGES - 1].messageId;
    const errors = await eventually(async () => {
      const list = await run.errors('rollbar');
      return list.length > 0 ? list : undefined;
    });
    const item = errors.find((e) => e.message === `notification ${MESSAGES} failed`);
    expect(item?.runId).toBe(run.runId);
    expect(item?.seq).toBe(MESSAGES);
    expect(item?.attributes).toMatchObject({
      'messaging.message.id': failed,
      'messaging.destination.name': 'notifications-rollbar',
    });
  });
});

describe('async hop: cloudwatch', () => {
  let run: AsyncRun;
  beforeAll(async () => {
    run = await runAsyncHop('cloudwatch');
  }, 90_000);
  afterAll(() => run?.close());

  it("stamps the worker's log lines and error line with the originating request's run id and seq", async () => {
    const logs = await eventually(async () => {
      const list = await run.logs('cloudwatch');
      return list.length >= MESSAGES + 1 ? list : undefined;
    });
    for (let seq = 1; seq <= MESSAGES; seq++) {
      const line = logs.find((l) => l.message === `notification for activity ${seq}`);
      expect(line, `worker line for seq ${seq}`).toBeDefined();
      expect(line!.runId).toBe(run.runId);
      expect(line!.seq).toBe(seq);
      expect(line!.attributes['messaging.message.id']).toBe(run.produced.sent[seq - 1].messageId);
    }
    const errorLine = logs.find((l) => l.message === `Error: notification ${MESSAGES} failed`);
    expect(errorLine?.runId).toBe(run.runId);
    expect(errorLine?.seq).toBe(MESSAGES);
  });
});
