/**
 * The notifications queue: the AWS SDK v3 SQS client, pointed at real SQS when a region is set and at the
 * sandbox's emulator otherwise, and the queue pair (main + dead-letter) created if missing.
 *
 * Loaded after the adapters have started (app/service.ts), so each vendor's AWS SDK instrumentation sees the
 * client's calls.
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueConfig } from '../../config/env';

/** The emulator checks signatures' shape, not their secret: any fixed pair will do, and names no real account. */
const SANDBOX_CREDENTIALS = { accessKeyId: 'AKIDBAKEOFFSANDBOX', secretAccessKey: 'bakeoff-sandbox' };

export interface QueueUrls {
  queueUrl: string;
  deadLetterUrl: string;
}

export function createSqsClient(queue: QueueConfig, sandboxUrl: string): SQSClient {
  if (queue.awsRegion) return new SQSClient({ region: queue.awsRegion });
  return new SQSClient({ endpoint: sandboxUrl, region: 'us-east-1', credentials: SANDBOX_CREDENTIALS });
}

/**
 * Creates the dead-letter queue, then the queue with its redrive policy and visibility timeout; both if missing,
 * and the attributes set every time, so a changed `QUEUE_MAX_RECEIVES` applies to an existing queue. Both roles
 * call it (whichever starts first creates the pair); every call is idempotent.
 */
export async function ensureQueues(
  client: SQSClient,
  queue: QueueConfig,
  signal?: AbortSignal,
): Promise<QueueUrls> {
  const options = { abortSignal: signal };
  const dlq = await client.send(new CreateQueueCommand({ QueueName: queue.deadLetterName }), options);
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    options,
  );
  const main = await client.send(new CreateQueueCommand({ QueueName: queue.name }), options);
  await client.send(
    new SetQueueAttributesCommand({
      QueueUrl: main.QueueUrl,
      Attributes: {
        VisibilityTimeout: String(queue.visibilityTimeoutS),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: queue.maxReceives,
        }),
      },
    }),
    options,
  );
  return { queueUrl: main.QueueUrl!, deadLetterUrl: dlq.QueueUrl! };
}

/** Deletes the queue and its DLQ (teardown); a queue already gone is fine. Returns the names deleted. */
export async function deleteQueues(client: SQSClient, queue: QueueConfig): Promise<string[]> {
  const deleted: string[] = [];
  for (const name of [queue.name, queue.deadLetterName]) {
    try {
      const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
      await client.send(new DeleteQueueCommand({ QueueUrl }));
      deleted.push(name);
    } catch (error) {
      if (!(error instanceof QueueDoesNotExist)) throw error;
    }
  }
  return deleted;
}
