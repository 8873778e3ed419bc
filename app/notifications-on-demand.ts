/**
 * The activities service's notifications sender, built when the first post or reply is written rather than at
 * start. The AWS SDK behind it (@aws-sdk/client-sqs and its @smithy modules: ~25 modules, ~4 MB of heap,
 * ~28 MB RSS) is then loaded only by a process that sends, and a process serving reads never carries it.
 *
 * Loading it later changes nothing for the vendors: every adapter has started by then, so their AWS SDK
 * instrumentation (require hooks, X-Ray's patched `SQSClient.prototype.send`) sees this client as before.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationSender, SenderDeps } from './notifications/producer';

/** What the activities routes need of a sender. */
export type Notifications = Pick<NotificationSender, 'send'>;

export class OnDemandNotifications implements Notifications {
  private made: Promise<{ client: SQSClient; sender: NotificationSender }> | undefined;

  constructor(
    private readonly deps: Omit<SenderDeps, 'client'>,
    private readonly sandboxUrl: string,
  ) {}

  send(...args: Parameters<NotificationSender['send']>): Promise<boolean> {
    this.made ??= this.make();
    return this.made.then(({ sender }) => sender.send(...args));
  }

  /** Closes the SQS client's connections, if one was made; never throws (shutdown goes on regardless). */
  async destroy(): Promise<void> {
    await this.made?.then(
      ({ client }) => client.destroy(),
      () => undefined,
    );
  }

  private async make() {
    const [{ createSqsClient }, { NotificationSender }] = await Promise.all([
      import('./notifications/queue'),
      import('./notifications/producer'),
    ]);
    const client = createSqsClient(this.deps.queue, this.sandboxUrl);
    return { client, sender: new NotificationSender({ ...this.deps, client }) };
  }
}
