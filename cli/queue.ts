/**
 * `bakeoff queue`: the notifications queue pair outside the services' own lifetime: create it ahead of time,
 * look at it, and delete it (the teardown for real SQS, where the queues outlive every process).
 */
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { loadConfig } from '../config/env';
import { BakeoffError } from '../config/errors';
import { queueDestination } from '../app/notifications/destination';
import { createSqsClient, deleteQueues, ensureQueues } from '../app/notifications/queue';

const HELP = `Usage: bakeoff queue <create|status|teardown>

The notifications queue and its dead-letter queue, named by NOTIFICATIONS_QUEUE or
bakeoff-<BAKEOFF_STACK>-notifications (+ -dlq). With AWS_REGION set: real SQS (credentials from the AWS SDK's
default chain); otherwise the sandbox's SQS emulator at BAKEOFF_SANDBOX.

  create     create both if missing and set the redrive policy (the services also do this at start)
  status     print both queues' message counts
  teardown   delete both (a queue already gone is fine)
`;

const ACTIONS = ['create', 'status', 'teardown'] as const;

export async function runQueueCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const [action] = positionals;
  if (!(ACTIONS as readonly string[]).includes(action) || positionals.length !== 1) {
    throw new BakeoffError(
      'BAKEOFF_ERR_USAGE',
      `bakeoff queue: say one of ${ACTIONS.join(', ')} (see --help)`,
    );
  }
  const config = loadConfig(process.env);
  const client = createSqsClient(config.queue, config.sandboxUrl);
  try {
    process.stderr.write(`bakeoff: ${queueDestination(config.queue, config.sandboxUrl)}\n`);
    if (action === 'teardown') {
      const deleted = await deleteQueues(client, config.queue);
      process.stdout.write(deleted.length ? `deleted ${deleted.join(', ')}\n` : 'no queue to delete\n');
      return;
    }
    const urls = await ensureQueues(client, config.queue);
    if (action === 'create') {
      process.stdout.write(`${urls.queueUrl}\n${urls.deadLetterUrl}\n`);
      return;
    }
    for (const [name, url] of [
      [config.queue.name, urls.queueUrl],
      [config.queue.deadLetterName, urls.deadLetterUrl],
    ]) {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      process.stdout.write(
        `${name}: ${Attributes?.ApproximateNumberOfMessages ?? '?'} waiting, ${Attributes?.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight\n`,
      );
    }
  } finally {
    client.destroy();
  }
}
