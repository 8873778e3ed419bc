/**
 * The report's "Async" table: what each vendor recorded of the notifications hop (a create or reply sends an SQS
 * message; the worker handles it). Computed from the sandbox's records only, like every other figure:
 * - producer spans (kind `producer`: OTel `… send`, Sentry `queue.publish`, dd-trace's SendMessage, X-Ray's
 *   SendMessage subsegment) count the messages the vendor saw sent;
 * - consumer work is a `consumer` span that is not itself an AWS SDK call (OTel/Datadog `… process`, Sentry
 *   `queue.process`, X-Ray's worker segment); it is in the same trace when its trace holds a producer span
 *   (the run's traces are collected by run id, which only the request carries), linked when it links to one;
 * - vendors without traces (Rollbar, CloudWatch) count the worker records that carry the request's run id.
 */
import type { SpanView, VendorHaul } from './collect';
import { percentile, round } from './percentile';

export interface AsyncMetrics {
  /** Messages the vendor recorded being sent (producer spans); null without traces. */
  sent: number | null;
  /** Messages whose handling the vendor recorded: consumer spans, or worker records carrying the run id. */
  processed: number;
  /** Consumer work in the producing request's trace / linked to it / neither; null without traces. */
  sameTrace: number | null;
  linked: number | null;
  unconnected: number | null;
  /** p50 of consumer start − producer end, over connected messages; null when none is connected. */
  queueDelayMsP50: number | null;
  /** AWS SDK call spans recorded (every SQS call: send, receive, delete). */
  awsCallsCaptured: number;
  /** The distinct `Service.Operation` pairs among them. */
  awsOperations: string[];
  /** Consumer work on a redelivered message (receive count > 1): retries the vendor makes visible. */
  retriesVisible: number;
}

/** `SQS.SendMessage` when the span is an AWS SDK call, in any vendor's spelling. */
export function awsCallOf(span: SpanView): string | undefined {
  const a = span.attributes;
  if (a['rpc.system'] === 'aws-api') return `${String(a['rpc.service'])}.${String(a['rpc.method'])}`;
  if (a.component === 'aws-sdk' && span.kind !== 'server') {
    const op = String(a['aws.operation'] ?? '');
    return `${String(a['aws.service'])}.${op.charAt(0).toUpperCase()}${op.slice(1)}`;
  }
  // X-Ray: an `aws` subsegment is named by the service and records the operation. A segment (server, or the
  // worker's consumer segment, which names its queue and message in an `aws` block too) is not a call.
  const segment = span.kind === 'server' || span.kind === 'consumer';
  if (span.vendor === 'xray' && typeof a['aws.operation'] === 'string' && !segment) {
    return `${span.name}.${a['aws.operation']}`;
  }
  return undefined;
}

const isConsumerWork = (s: SpanView) => s.kind === 'consumer' && awsCallOf(s) === undefined;

/** How many times the message had been received, in the attribute each vendor uses. */
function receiveCount(s: SpanView): number {
  const a = s.attributes;
  const count = a['messaging.message.delivery_count'] ?? a['aws.receive_count'];
  if (typeof count === 'number') return count;
  const retries = a['messaging.message.retry.count'];
  return typeof retries === 'number' ? retries + 1 : 1;
}

export function computeAsyncMetrics(haul: VendorHaul, tracing: boolean): AsyncMetrics {
  const spans = haul.traces.flatMap((t) => t.spans);
  const calls = spans.map(awsCallOf).filter((c): c is string => c !== undefined);
  const awsOperations = [...new Set(calls)].sort();
  if (!tracing) {
    const messages = new Set(
      [...haul.logs, ...haul.errors]
        .map((r) => r.attributes['messaging.message.id'])
        .filter((id) => id !== undefined),
    );
    return {
      sent: null,
      processed: messages.size,
      sameTrace: null,
      linked: null,
      unconnected: null,
      queueDelayMsP50: null,
      awsCallsCaptured: calls.length,
      awsOperations,
      retriesVisible: 0,
    };
  }
  const producers = new Map(spans.filter((s) => s.kind === 'producer').map((s) => [s.spanId, s]));
  const tracesWithProducer = new Set([...producers.values()].map((s) => s.traceId));
  const consumers = spans.filter(isConsumerWork);
  let sameTrace = 0;
  let linked = 0;
  const delays: number[] = [];
  for (const consumer of consumers) {
    const parent = consumer.parentId ? producers.get(consumer.parentId) : undefined;
    const link = (consumer.links ?? []).map((l) => producers.get(l.spanId)).find(Boolean);
    const producer = parent ?? link;
    if (tracesWithProducer.has(consumer.traceId)) sameTrace++;
    else if (link) linked++;
    if (producer) delays.push(consumer.startMs - (producer.startMs + producer.durationMs));
  }
  return {
    sent: producers.size,
    processed: consumers.length,
    sameTrace,
    linked,
    // Consumer work in a trace of its own carries no run id, so it is not collected: what the vendor saw sent
    // and did not connect is the measure.
    unconnected: Math.max(0, producers.size - sameTrace - linked),
    queueDelayMsP50: round(percentile(delays, 50), 1),
    awsCallsCaptured: calls.length,
    awsOperations,
    retriesVisible: consumers.filter((c) => receiveCount(c) > 1).length,
  };
}
