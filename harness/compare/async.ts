/**
 * The report's "Async" table: what each vendor recorded of the notifications hop (a create or reply sends an SQS
 * message; the worker handles it). Computed from the sandbox's records only, like every other figure:
 * - producer spans (kind `producer`: OTel `… send`, Sentry `queue.publish`, dd-trace's SendMessage, X-Ray's
 *   SendMessage subsegment) count the messages the vendor saw sent;
 * - consumer work is a `consumer` span that is not itself an AWS SDK call (OTel/Datadog `… process`, Sentry
 *   `queue.process`, X-Ray's worker segment); it is in the same trace when its trace holds a producer span
 *   (the run's traces are collected by run id, which only the request carries), linked when it links to one;
 * - vendors without traces (Rollbar, CloudWatch) count the worker records that carry the request's run id;
 * - retries are deliveries with a receive count above 1 in the vendor's data, and a dead-lettered message is
 *   visible as failed when an error, error span or error line names its message id. Which messages were
 *   dead-lettered, and the worker's bytes, come from outside the vendor's data (async-check.ts, async-bytes.ts).
 */
import type { DeadLetter, MentionCheck } from './async-check';
import type { SpanView, VendorHaul } from './collect';
import { percentile, round } from './percentile';

export interface AsyncMetrics {
  /** Messages the vendor recorded being sent (producer spans); null without traces. */
  sent: number | null;
  /**
   * Messages whose handling the vendor recorded: consumer spans, or for vendors without traces the distinct
   * messages among the worker's non-error records (an error tracker records none).
   */
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
  /**
   * Redeliveries the vendor's data shows: deliveries with a receive count above 1 (consumer spans, or the
   * worker's records for vendors without traces — only failed ones for an error tracker).
   */
  retries: number;
  /**
   * Messages the emulator moved to the dead-letter queue (`moved`), and how many of them the vendor's data
   * shows as failed consumer work (`failedVisible`: an error, an error span or an error line naming the message).
   */
  dlq: { moved: number; failedVisible: number };
  /** Telemetry bytes the notifications worker sent this vendor (harness/compare/async-bytes.ts). */
  bytes: number;
  /** Redeliveries the queue made in the run: the emulator's counter (the same for every vendor: seeded faults). */
  redeliveries: number;
  /** The workload's @mentions, checked on the worker's notifications API; null when not checked. */
  mentions: MentionCheck | null;
}

/** What compare learnt of the hop outside the vendor's data (harness/compare/async-check.ts). */
export interface AsyncFacts {
  deadLetters: readonly DeadLetter[];
  workerBytes: number;
  redeliveries: number;
  mentions: MentionCheck | null;
}

const NO_FACTS: AsyncFacts = { deadLetters: [], workerBytes: 0, redeliveries: 0, mentions: null };

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

/** A key as the vendor kept it: as sent, or as an X-Ray annotation (which allows no dots). */
const attribute = (attributes: Record<string, unknown>, key: string): unknown =>
  attributes[key] ?? attributes[key.replaceAll('.', '_')];

/** How many times the message had been received, in the attribute each vendor (or the app's span) uses. */
function receiveCount(attributes: Record<string, unknown>): number | undefined {
  const count =
    attributes['messaging.message.delivery_count'] ??
    attributes['aws.receive_count'] ??
    attribute(attributes, 'messaging.sqs.receive_count');
  if (typeof count === 'number') return count;
  const retries = attributes['messaging.message.retry.count'];
  return typeof retries === 'number' ? retries + 1 : undefined;
}

/** The SQS message a record is about: the worker names it on every span, error and log line of its handling. */
export function messageIdOf(attributes: Record<string, unknown>): string | undefined {
  const id = attribute(attributes, 'messaging.message.id') ?? attributes['aws.message_id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

const ERROR_LEVELS = new Set(['error', 'warning', 'warn', 'critical', 'fatal']);

/**
 * The native records behind the run's error occurrences: the failures of one message's deliveries are in one
 * trace, so a per-request vendor's occurrence holds them all, each with its own receive count.
 */
const errorRecords = (haul: VendorHaul) => haul.errors.flatMap((e) => (e.records?.length ? e.records : [e]));

/** Message ids the vendor's data shows failing: errors, error spans and error lines that name a message. */
function failedMessages(haul: VendorHaul, spans: readonly SpanView[]): Set<string> {
  const failed = new Set<string>();
  const add = (attributes: Record<string, unknown>) => {
    const id = messageIdOf(attributes);
    if (id) failed.add(id);
  };
  for (const e of errorRecords(haul)) add(e.attributes);
  for (const s of spans) if (s.status === 'error') add(s.attributes);
  for (const l of haul.logs) if (ERROR_LEVELS.has(l.level.toLowerCase())) add(l.attributes);
  return failed;
}

/** Deliveries after the first among records that name a message: distinct (message, receive count) pairs. */
function redeliveriesIn(records: ReadonlyArray<{ attributes: Record<string, unknown> }>): number {
  const seen = new Set<string>();
  for (const r of records) {
    const id = messageIdOf(r.attributes);
    const count = receiveCount(r.attributes);
    if (id && count !== undefined && count > 1) seen.add(`${id} ${count}`);
  }
  return seen.size;
}

export function computeAsyncMetrics(
  haul: VendorHaul,
  tracing: boolean,
  facts: AsyncFacts = NO_FACTS,
): AsyncMetrics {
  const spans = haul.traces.flatMap((t) => t.spans);
  const calls = spans.map(awsCallOf).filter((c): c is string => c !== undefined);
  const awsOperations = [...new Set(calls)].sort();
  const failed = failedMessages(haul, spans);
  const dlq = {
    moved: facts.deadLetters.length,
    failedVisible: facts.deadLetters.filter((m) => failed.has(m.id)).length,
  };
  if (!tracing) {
    const records = [...haul.logs, ...errorRecords(haul)];
    const handled = new Set(
      haul.logs
        .filter((l) => !ERROR_LEVELS.has(l.level.toLowerCase()))
        .map((l) => messageIdOf(l.attributes))
        .filter((id) => id !== undefined),
    );
    return {
      sent: null,
      processed: handled.size,
      sameTrace: null,
      linked: null,
      unconnected: null,
      queueDelayMsP50: null,
      awsCallsCaptured: calls.length,
      awsOperations,
      retries: redeliveriesIn(records),
      dlq,
      bytes: facts.workerBytes,
      redeliveries: facts.redeliveries,
      mentions: facts.mentions,
    };
  }
  const producers = spans.filter((s) => s.kind === 'producer');
  const consumers = spans.filter(isConsumerWork);
  // Per message (one producer span each): its consumer work in the same trace, else the work that links it.
  // A redelivered message has several deliveries; the first one's start is its queue delay.
  const inTrace = new Map<string, SpanView[]>();
  const linking = new Map<string, SpanView[]>();
  for (const c of consumers) {
    inTrace.set(c.traceId, [...(inTrace.get(c.traceId) ?? []), c]);
    for (const l of c.links ?? []) linking.set(l.spanId, [...(linking.get(l.spanId) ?? []), c]);
  }
  let sameTrace = 0;
  let linked = 0;
  const delays: number[] = [];
  for (const producer of producers) {
    const same = inTrace.get(producer.traceId) ?? [];
    const links = linking.get(producer.spanId) ?? [];
    if (same.length > 0) sameTrace++;
    else if (links.length > 0) linked++;
    const first = [...same, ...links].sort((a, b) => a.startMs - b.startMs)[0];
    if (first) delays.push(first.startMs - (producer.startMs + producer.durationMs));
  }
  return {
    sent: producers.length,
    // Successful handlings: a failed delivery's consumer span is in error, and its retry is counted once it works.
    processed: consumers.filter((c) => c.status !== 'error').length,
    sameTrace,
    linked,
    // Consumer work in a trace of its own carries no run id, so it is not collected: what the vendor saw sent
    // and did not connect to any consumer work is the measure.
    unconnected: producers.length - sameTrace - linked,
    queueDelayMsP50: round(percentile(delays, 50), 1),
    awsCallsCaptured: calls.length,
    awsOperations,
    // The vendor's consumer span, or the app's `notifications.process` span inside it, says which delivery it was.
    retries: redeliveriesIn(
      spans.filter((s) => isConsumerWork(s) || messageIdOf(s.attributes) !== undefined),
    ),
    dlq,
    bytes: facts.workerBytes,
    redeliveries: facts.redeliveries,
    mentions: facts.mentions,
  };
}
