/**
 * The producer: after an activity is written, the activities service sends one message to the notifications
 * queue. Awaited, so the send (and each vendor's producer span) stays inside the request's trace, but bounded by
 * `QUEUE_SEND_TIMEOUT_MS`, and it never fails the request: a failed send is logged, counted and reported.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueConfig } from '../../config/env';
import { applyChaos, InjectedFault } from '../chaos/apply';
import type { ChaosEngine } from '../chaos/engine';
import type { Telemetry } from '../telemetry/facade';
import type { Logger } from '../telemetry/logger';
import type { RequestCorrelation } from '../telemetry/request-context';
import type { NotificationMessage } from './message';
import { ensureQueues, type QueueUrls } from './queue';

/** The chaos route key for the send: a scenario's `queue:send` rule delays (or fails) it. */
export const SEND_ROUTE = 'queue:send';
/** Message attributes carrying the request's correlation, as its spans carry them. */
export const RUN_ATTRIBUTE = 'bakeoff.run_id';
export const SEQ_ATTRIBUTE = 'bakeoff.seq';
/** SQS's limit on message attributes per message. */
const MAX_ATTRIBUTES = 10;

export interface SenderDeps {
  client: SQSClient;
  queue: QueueConfig;
  telemetry: Telemetry;
  chaos: ChaosEngine;
  logger: Logger;
}

export class NotificationSender {
  /** Messages the queue accepted, and sends that failed (logged), since start. */
  sent = 0;
  failed = 0;
  private urls: Promise<QueueUrls> | undefined;
  private warnedAttributes = false;

  constructor(private readonly deps: SenderDeps) {}

  /** Sends `message`; resolves true when SQS accepted it, false when not (never rejects). */
  async send(message: NotificationMessage, correlation: RequestCorrelation, seq: number): Promise<boolean> {
    const { client, queue, telemetry, chaos, logger } = this.deps;
    try {
      const decisions = chaos.decide(SEND_ROUTE, seq);
      // The injected delay is the point of the rule: it runs before, not inside, the send's time bound.
      if (decisions.length > 0) await applyChaos(decisions, telemetry);
      const signal = AbortSignal.timeout(queue.sendTimeoutMs);
      const { queueUrl } = await this.queueUrls(signal);
      const carrier: Record<string, string> = {};
      telemetry.injectMessage(carrier, { queue: queue.name, queueUrl });
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          MessageAttributes: this.attributes(carrier, correlation, seq),
        }),
        { abortSignal: signal },
      );
      this.sent++;
      return true;
    } catch (error) {
      this.failed++;
      const err = error instanceof Error ? error : new Error(String(error));
      const fields: Record<string, string | number> = {
        'messaging.destination.name': queue.name,
        'notifications.send_failures': this.failed,
        'error.type': err.name,
        'error.message': err.message,
      };
      if (correlation.runId) fields[RUN_ATTRIBUTE] = correlation.runId;
      fields[SEQ_ATTRIBUTE] = seq;
      if (error instanceof InjectedFault) fields['chaos.fault'] = error.rule;
      logger.warn('notification not sent; the request answers anyway', fields);
      telemetry.annotate('notifications.send_failed', true, 'root');
      telemetry.captureError(err, { attributes: fields, level: 'warning' });
      return false;
    }
  }

  /** The queue's URL, creating the pair on first use; a failure is retried by the next send. */
  private queueUrls(signal: AbortSignal): Promise<QueueUrls> {
    this.urls ??= ensureQueues(this.deps.client, this.deps.queue, signal).catch((error: unknown) => {
      this.urls = undefined;
      throw error;
    });
    return this.urls;
  }

  /** The vendors' trace headers plus the request's correlation, within SQS's ten attributes. */
  private attributes(
    carrier: Record<string, string>,
    correlation: RequestCorrelation,
    seq: number,
  ): Record<string, MessageAttributeValue> {
    const own: Record<string, string> = { [SEQ_ATTRIBUTE]: String(seq) };
    if (correlation.runId) own[RUN_ATTRIBUTE] = correlation.runId;
    const vendor = Object.entries(carrier).filter(([key]) => !(key in own));
    const room = MAX_ATTRIBUTES - Object.keys(own).length;
    if (vendor.length > room && !this.warnedAttributes) {
      this.warnedAttributes = true;
      this.deps.logger.warn('too many message attributes: some vendors trace headers were left off', {
        'notifications.dropped_attributes': vendor
          .slice(room)
          .map(([key]) => key)
          .join(','),
      });
    }
    const out: Record<string, MessageAttributeValue> = {};
    for (const [key, value] of [...Object.entries(own), ...vendor.slice(0, room)])
      out[key] = { DataType: 'String', StringValue: value };
    return out;
  }
}
