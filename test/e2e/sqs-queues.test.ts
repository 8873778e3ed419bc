/**
 * The Queues view in Debian's chromium: queues made and used by the real AWS SDK client against the sandbox's
 * SQS emulator — counts, in-flight messages with their AWSTraceHeader, and the dead-letter queue — at 1366×768
 * (no hidden horizontal scroll) and 1920×1080. Set SANDBOX_UI_SHOTS=<dir> to keep the screenshots.
 */
import path from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';

const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const shotsDir = process.env.SANDBOX_UI_SHOTS;

let sandbox: Sandbox;
let browser: Browser;
let page: Page;

const horizontalOverflow = () =>
  page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

async function shot(name: string) {
  if (shotsDir) await page.screenshot({ path: path.join(shotsDir, `queues-${name}.png`), fullPage: true });
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const sqs = new SQSClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' },
  });
  // X-Ray's AWS SDK capture puts the trace header on each call; SQS keeps it as AWSTraceHeader.
  sqs.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] = TRACE_HEADER;
      return next(args);
    },
    { step: 'build', name: 'traceHeader' },
  );
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'bakeoff-notifications-dlq' }))).QueueUrl!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
  );
  const url = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'bakeoff-notifications',
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 1 }),
        },
      }),
    )
  ).QueueUrl!;
  const send = (body: string, seq: number) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageAttributes: {
          'bakeoff.run_id': { DataType: 'String', StringValue: 'demo-run' },
          'bakeoff.seq': { DataType: 'Number', StringValue: String(seq) },
        },
      }),
    );
  await send(JSON.stringify({ activityId: 'a-1', kind: 'created', handle: 'ada', mentions: ['grace'] }), 1);
  // Received once with no wait: past maxReceiveCount 1, the next receive moves it to the DLQ.
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
  await send(JSON.stringify({ activityId: 'a-2', kind: 'replied', handle: 'grace', replyTo: 'ada' }), 2);
  await send(JSON.stringify({ activityId: 'a-3', kind: 'created', handle: 'linus', mentions: [] }), 3);
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 600 }));
  sqs.destroy();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

requirePackages(['chromium'])('Queues view', () => {
  it('lists each queue with its counts and redrive, from the nav', async () => {
    await page.goto(`${sandbox.url}/#/`);
    await page.locator('[data-testid="nav-queues"]').click();
    await page.waitForSelector('[data-testid="queue-table"]');
    const row = page.locator('tr[data-queue="bakeoff-notifications"]');
    expect((await row.locator('td').allTextContents()).slice(1, 4)).toEqual(['1', '1', '0']);
    expect(await row.textContent()).toContain('after 1 receives → bakeoff-notifications-dlq');
    expect(await page.locator('tr[data-queue="bakeoff-notifications-dlq"]').textContent()).toContain(
      'DLQ for bakeoff-notifications',
    );
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('list-1366');
  });

  it('shows a queue’s in-flight message with its AWSTraceHeader and attributes, without horizontal scroll', async () => {
    await page.goto(`${sandbox.url}/#/queues/bakeoff-notifications?state=inFlight`);
    await page.waitForSelector('[data-testid="message-table"]');
    const rows = page.locator('tr[data-message]');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-state')).toBe('inFlight');
    expect(await rows.first().locator('[data-testid="trace-header"]').textContent()).toBe(TRACE_HEADER);
    await rows.first().locator('summary').click();
    expect(await rows.first().locator('[data-testid="message-attributes"]').textContent()).toContain(
      'demo-run',
    );
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('queue-1366');
  });

  it('shows the dead-lettered message in the DLQ with where it came from', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(`${sandbox.url}/#/queues/bakeoff-notifications-dlq`);
    await page.waitForSelector('[data-testid="message-table"]');
    const row = page.locator('tr[data-message]');
    expect(await row.count()).toBe(1);
    await row.locator('summary').click();
    const system = await row.locator('[data-testid="system-attributes"]').textContent();
    expect(system).toContain('arn:aws:sqs:us-east-1:000000000000:bakeoff-notifications');
    expect(system).toContain(TRACE_HEADER);
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('dlq-1920');
  });
});
