/**
 * The notifications worker: long-polls the queue, handles one message at a time inside each vendor's consumer
 * span (`Telemetry.consumeMessage`), stores the notifications it names, and deletes it. A message whose handling
 * fails is left alone: it reappears after the visibility timeout, and SQS's redrive policy moves it to the
 * dead-letter queue after `QUEUE_MAX_RECEIVES` receives.
 *
 * Stopping: no new receive starts, the pending long poll is abandoned (a message it was about to return stays
 * on the queue, invisible until its visibility timeout), and the message in hand is finished and deleted.
 */
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueConfig } from '../../config/env';
import { applyChaos, InjectedFault } from '../chaos/apply';
import type { ChaosEngine } from '../chaos/engine';
import type { Store } from '../store/types';
import type { ConsumedMessage, Telemetry } from '../telemetry/facade';
import type { Logger } from '../telemetry/logger';
import { chaosSeq, WORKER_ROUTE } from './delivery-seq';
import { notificationMessage, notificationsOf } from './message';
import { RUN_ATTRIBUTE, SEQ_ATTRIBUTE } from './producer';
import { ensureQueues, type QueueUrls } from './queue';

export { WORKER_ROUTE };
/** Pause after a failed receive (queue unreachable) before polling again. */
const RETRY_RECEIVE_MS = 1_000;

export interface WorkerDeps {
  client: SQSClient;
  queue: QueueConfig;
  store: Store;
  telemetry: Telemetry;
  chaos: ChaosEngine;
  logger: Logger;
}

export interface WorkerStats {
  received: number;
  processed: number;
  failed: number;
  /** True once the queue was reached and while the last receive succeeded. */
  polling: boolean;
}

export class NotificationWorker {
  readonly stats: WorkerStats = { received: 0, processed: 0, failed: 0, polling: false };
  private urls: QueueUrls | undefined;
  private stopping = false;
  private warned = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and resolves once the message in hand (if any) is finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { client, queue, logger } = this.deps;
    while (!this.stopping) {
      let messages: Message[];
      try {
        this.urls ??= await ensureQueues(client, queue, this.abort.signal);
        // The queue answered: healthy now, not only after the first (up to 20 s) long poll returns.
        this.stats.polling = true;
        const answer = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.urls.queueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: queue.waitS,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = answer.Messages ?? [];
      } catch (error) {
        if (this.stopping) break;
        // Once per outage, not once a second: `bakeoff serve` without a sandbox would print nothing else.
        if (this.stats.polling || !this.warned) {
          logger.warn('notifications queue not reachable; retrying every second', {
            'messaging.destination.name': queue.name,
            'error.message': (error as Error).message,
          });
        }
        this.warned = true;
        this.stats.polling = false;
        await sleep(RETRY_RECEIVE_MS, undefined, { signal: this.abort.signal }).catch(() => undefined);
        continue;
      }
      // Received, so in hand: handled even if a stop arrived meanwhile.
      for (const message of messages) await this.handle(message, this.urls);
    }
  }

  private async handle(message: Message, urls: QueueUrls): Promise<void> {
    const { client, queue, store, telemetry, chaos, logger } = this.deps;
    this.stats.received++;
    const carrier = stringAttributes(message);
    const info: ConsumedMessage = {
      queue: queue.name,
      queueUrl: urls.queueUrl,
      messageId: message.MessageId ?? '',
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      systemAttributes: { ...message.Attributes },
    };
    const correlation = correlationOf(carrier);
    const fields: Record<string, string | number> = {
      'messaging.destination.name': queue.name,
      'messaging.message.id': info.messageId,
      'messaging.sqs.receive_count': info.receiveCount,
      ...correlation,
    };
    try {
      await telemetry.consumeMessage(carrier, info, () =>
        telemetry.span('notifications.process', { attributes: fields }, async () => {
          for (const [key, value] of Object.entries(fields)) telemetry.annotate(key, value, 'root');
          const body = notificationMessage.parse(JSON.parse(message.Body ?? ''));
          // A retry draws again (seq and receive count together), so a transient fault mostly passes on retry.
          const seq = chaos.seqFor(WORKER_ROUTE, chaosSeq(correlation[SEQ_ATTRIBUTE], info.receiveCount));
          const decisions = chaos.decide(WORKER_ROUTE, seq);
          if (decisions.length > 0) await applyChaos(decisions, telemetry);
          const added = await store.addNotifications(notificationsOf(body));
          telemetry.annotate('notifications.added', added);
          await client.send(
            new DeleteMessageCommand({ QueueUrl: urls.queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
          logger.info('notification message handled', { ...fields, 'notifications.added': added });
        }),
      );
      this.stats.processed++;
    } catch (error) {
      this.stats.failed++;
      const err = error instanceof Error ? error : new Error(String(error));
      const attributes: Record<string, string | number> = { ...fields };
      if (err instanceof InjectedFault) attributes['chaos.fault'] = err.rule;
      const last = info.receiveCount >= queue.maxReceives;
      logger.error(
        last
          ? 'notification message failed; it goes to the dead-letter queue at its next receive'
          : 'notification message failed; it will be redelivered',
        { ...attributes, 'error.type': err.name, 'error.message': err.message },
      );
      telemetry.captureError(err, { attributes, level: err instanceof InjectedFault ? 'warning' : 'error' });
    }
  }
}

/** The message's String attributes: the carrier the vendors injected into, plus the run and seq. */
function stringAttributes(message: Message): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.DataType?.startsWith('String') && typeof value.StringValue === 'string')
      carrier[key] = value.StringValue;
  }
  return carrier;
}

/** The originating request's run id and seq, when the message carries well-formed ones. */
function correlationOf(carrier: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const run = carrier[RUN_ATTRIBUTE];
  if (run && /^[A-Za-z0-9_.:-]{1,64}$/.test(run)) out[RUN_ATTRIBUTE] = run;
  const seq = carrier[SEQ_ATTRIBUTE];
  if (seq && /^\d{1,9}$/.test(seq)) out[SEQ_ATTRIBUTE] = Number(seq);
  return out;
}
