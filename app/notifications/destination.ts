/**
 * Where the notifications queue lives, for start-up lines. Its own module, free of the AWS SDK, so `bakeoff serve`
 * can print it before the adapters (which instrument the SDK) have started.
 */
import type { QueueConfig } from '../../config/env';

/** Never holds a credential: a region, a sandbox URL and queue names. */
export function queueDestination(queue: QueueConfig, sandboxUrl: string): string {
  return queue.awsRegion
    ? `real SQS ${queue.awsRegion}, queue ${queue.name} (DLQ ${queue.deadLetterName})`
    : `sandbox SQS ${sandboxUrl}, queue ${queue.name} (DLQ ${queue.deadLetterName})`;
}
