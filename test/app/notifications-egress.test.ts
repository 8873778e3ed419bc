/**
 * The app's SQS calls go to the sandbox's origin offline, which is vendor egress for every tracer; they must be
 * told apart from uploads (CloudWatch Logs on the same `POST /`) so vendors trace them like calls to real SQS.
 * The requests checked are the ones the real AWS SDK v3 clients build.
 */
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApplicationAwsCall, type RequestTarget, vendorEgress } from '../../adapters/egress';
import { type Sandbox, startSandbox } from '../../sandbox/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
});
afterAll(() => sandbox?.close());

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };

interface Sent {
  target: RequestTarget;
  url: string;
}

/** The http request a real AWS SDK client sends, as the http instrumentations see it (options with headers). */
async function requestOf(
  client: SQSClient | CloudWatchLogsClient,
  send: () => Promise<unknown>,
): Promise<Sent> {
  let sent: Sent | undefined;
  // Both clients share the SDK's middleware stack; its typings differ only by each client's command types.
  const stack = client.middlewareStack as SQSClient['middlewareStack'];
  stack.add(
    (next) => async (args) => {
      const r = args.request as {
        protocol: string;
        hostname: string;
        port?: number;
        path: string;
        headers: Record<string, string>;
      };
      sent = {
        target: { protocol: r.protocol, hostname: r.hostname, port: r.port, headers: r.headers },
        url: `${r.protocol}//${r.hostname}:${r.port}${r.path}`,
      };
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequest', priority: 'low' },
  );
  await send();
  client.destroy();
  return sent!;
}

describe('vendor egress and the app’s SQS calls to the sandbox', () => {
  it('an SQS call to the sandbox origin is the app’s, not egress', async () => {
    const egress = vendorEgress(sandbox.url);
    const sqs = new SQSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials });
    const { target, url } = await requestOf(sqs, () => sqs.send(new ListQueuesCommand({})));
    expect(isApplicationAwsCall(target.headers)).toBe(true);
    expect(egress.includesRequest(target)).toBe(false);
    // Sentry's ignoreOutgoingRequests(url, request): the request's headers decide.
    expect(egress.includesUrl(url, { headers: target.headers })).toBe(false);
    // Without headers nothing tells it apart: the origin is egress.
    expect(egress.includesUrl(url)).toBe(true);
  });

  it('a CloudWatch Logs upload to the same origin and path stays egress', async () => {
    const egress = vendorEgress(sandbox.url);
    const logs = new CloudWatchLogsClient({ endpoint: sandbox.url, region: 'us-east-1', credentials });
    const { target, url } = await requestOf(logs, () => logs.send(new DescribeLogGroupsCommand({})));
    expect(isApplicationAwsCall(target.headers)).toBe(false);
    expect(egress.includesRequest(target)).toBe(true);
    expect(egress.includesUrl(url, { headers: target.headers })).toBe(true);
  });

  it('reads the target header from every header shape the instrumentations pass', () => {
    expect(isApplicationAwsCall({ 'X-Amz-Target': 'AmazonSQS.SendMessage' })).toBe(true);
    expect(isApplicationAwsCall(new Headers({ 'x-amz-target': 'AmazonSQS.ReceiveMessage' }))).toBe(true);
    expect(isApplicationAwsCall([['x-amz-target', 'AmazonSQS.DeleteMessage']])).toBe(true);
    expect(isApplicationAwsCall({ 'x-amz-target': 'Logs_20140328.PutLogEvents' })).toBe(false);
    expect(isApplicationAwsCall(undefined)).toBe(false);
  });
});
