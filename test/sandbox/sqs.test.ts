import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidMessageContents,
  MessageNotInflight,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxCommand } from '../../cli/sandbox';
import { type Sandbox, startSandbox } from '../../sandbox/server';

/**
 * The sandbox's SQS emulator driven by the real AWS SDK v3 client (@aws-sdk/client-sqs, JSON 1.0 protocol, its
 * MD5 checks on), on the sandbox's main port beside CloudWatch Logs, as the app's async hop uses it.
 */

const PORTS = { port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 } as const;
const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

function sqsClient(url: string, headers: Record<string, string> = {}): SQSClient {
  const client = new SQSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' },
    maxAttempts: 1,
  });
  // What X-Ray's captureAWSv3Client does: the trace header on every SQS call.
  if (Object.keys(headers).length > 0) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        Object.assign(request.headers, headers);
        return next(args);
      },
      { step: 'build', name: 'addTraceHeader' },
    );
  }
  return client;
}

async function caught(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

let sandbox: Sandbox;
let sqs: SQSClient;

async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl as string;
}

async function counts(url: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed),
  };
}

beforeAll(async () => {
  sandbox = await startSandbox(PORTS);
  sqs = sqsClient(sandbox.url);
});
afterAll(async () => {
  sqs?.destroy();
  await sandbox?.close();
});

describe('happy path', () => {
  it('creates a queue whose URL the SDK accepts, and finds it again by name', async () => {
    const url = await queue('orders');
    expect(url).toBe(`${sandbox.url}/000000000000/orders`);
    const again = await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }));
    expect(again.QueueUrl).toBe(url);
    // Same name and attributes: the same queue, as SQS answers.
    expect(await queue('orders')).toBe(url);
  });

  it('sends, receives with every attribute, and deletes; the client checks each MD5', async () => {
    const url = await queue('happy');
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"activity":"42","text":"héllo ✓"}',
        MessageAttributes: {
          'bakeoff.run_id': { DataType: 'String', StringValue: 'run-1' },
          seq: { DataType: 'Number', StringValue: '7' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
        },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(got.Messages).toHaveLength(1);
    const m = got.Messages![0];
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.Body).toBe('{"activity":"42","text":"héllo ✓"}');
    expect(m.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(m.MessageAttributes?.seq).toEqual({ DataType: 'Number', StringValue: '7' });
    expect([...(m.MessageAttributes?.blob.BinaryValue ?? [])]).toEqual([0, 1, 2, 255]);
    expect(m.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(m.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    expect(Number(m.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(m.Attributes?.SentTimestamp),
    );
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });

    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('returns only the attributes asked for, with the MD5 of those', async () => {
    const url = await queue('some-attributes');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: {
          'trace.id': { DataType: 'String', StringValue: 'a' },
          'trace.parent': { DataType: 'String', StringValue: 'b' },
          other: { DataType: 'String', StringValue: 'c' },
        },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['trace.*'] }),
    );
    expect(Object.keys(Messages![0].MessageAttributes ?? {}).sort()).toEqual(['trace.id', 'trace.parent']);
    expect(Messages![0].Attributes).toBeUndefined();
  });

  it('sends a batch: good entries succeed (MD5s checked), a bad one fails on its own', async () => {
    const url = await queue('batch');
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', DelaySeconds: 0 },
          { Id: 'bad', MessageBody: 'nul \u0000 inside' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id).sort()).toEqual(['a', 'b']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents' }),
    ]);
    expect((await counts(url)).visible).toBe(2);
  });
});

describe('AWSTraceHeader', () => {
  it("is taken from the sender's X-Amzn-Trace-Id header, as SQS does", async () => {
    const traced = sqsClient(sandbox.url, { 'X-Amzn-Trace-Id': TRACE_HEADER });
    const url = await queue('traced');
    const sent = await traced.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['AWSTraceHeader'] }),
    );
    expect(Messages![0].Attributes).toEqual({ AWSTraceHeader: TRACE_HEADER });
    traced.destroy();
  });

  it('is the sender-given system attribute when there is one', async () => {
    const url = await queue('traced-explicit');
    const header = 'Root=1-00000000-000000000000000000000001;Parent=0000000000000001;Sampled=1';
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: header } },
      }),
    );
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(Messages![0].Attributes?.AWSTraceHeader).toBe(header);
  });
});

describe('long polling, visibility and delay', () => {
  it('a waiting receive returns with a message sent during its wait, before its wait ends', async () => {
    const url = await queue('long-poll');
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    // The receive is parked: the queues API counts it.
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${sandbox.url}/api/queues/long-poll`)).json()) as { waitingReceives: number })
            .waitingReceives,
      )
      .toBe(1);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await waiting;
    expect(Messages?.[0].Body).toBe('wake up');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a long poll on an empty queue ends with no messages', async () => {
    const url = await queue('long-poll-empty');
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(Messages).toBeUndefined();
  });

  it('a message not deleted comes back when its visibility timeout ends, with a new receipt handle', async () => {
    const url = await queue('visibility', { VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] })))
      .Messages![0];
    // In flight: nobody else gets it.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const second = (
      await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10, AttributeNames: ['All'] }),
      )
    ).Messages![0];
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first.Attributes?.ApproximateFirstReceiveTimestamp,
    );
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);

    // The stale handle is accepted but deletes nothing, as in SQS; the latest one deletes.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
    expect((await counts(url)).inFlight).toBe(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.ReceiptHandle }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('ChangeMessageVisibility 0 makes a message visible at once; on a visible one it is MessageNotInflight', async () => {
    const url = await queue('change-visibility');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 600 })))
      .Messages![0];
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect((await counts(url)).visible).toBe(1);
    const err = await caught(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(err).toBeInstanceOf(MessageNotInflight);
  });

  it('a delayed message is counted as delayed, then delivered when its delay ends', async () => {
    const url = await queue('delayed');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    expect(Messages?.[0].Body).toBe('later');
  });
});

describe('dead-letter queue', () => {
  it('moves a message received maxReceiveCount times to the DLQ, attributes and id kept', async () => {
    const dlqUrl = await queue('work-dlq');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const url = await queue('work', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'poison',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'created' } },
      }),
    );
    for (let i = 1; i <= 2; i++) {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0, AttributeNames: ['All'] }),
      );
      expect(got.Messages?.[0].Attributes?.ApproximateReceiveCount).toBe(String(i));
    }
    // The third receive finds it past maxReceiveCount: it goes to the DLQ instead.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    expect(await counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const m = dead.Messages![0];
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.Body).toBe('poison');
    expect(m.MessageAttributes?.kind.StringValue).toBe('created');
    expect(m.Attributes?.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:us-east-1:000000000000:work');

    const api = (await (await fetch(`${sandbox.url}/api/queues/work-dlq`)).json()) as {
      deadLetterFor: string[];
    };
    expect(api.deadLetterFor).toEqual(['work']);
    // The queue counts what its consumer's failures cost: two deliveries, the second a redelivery.
    const work = (await (await fetch(`${sandbox.url}/api/queues/work`)).json()) as Record<string, unknown>;
    expect(work).toMatchObject({ deliveries: 2, redeliveries: 1 });
  });

  it('SetQueueAttributes adds a redrive policy to an existing queue, and an empty one removes it', async () => {
    const dlqUrl = await queue('later-dlq');
    const url = await queue('later');
    const arn = 'arn:aws:sqs:us-east-1:000000000000:later-dlq';
    const policy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '1' });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: policy } }));
    const read = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(read.Attributes?.RedrivePolicy).toBe(policy);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    expect((await counts(dlqUrl)).visible).toBe(1);

    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: '' } }));
    const after = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(after.Attributes?.RedrivePolicy).toBeUndefined();
  });

  it('refuses a redrive policy whose dead-letter queue does not exist', async () => {
    const err = await caught(
      queue('orphan', {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope',
          maxReceiveCount: 3,
        }),
      }),
    );
    expect(err).toBeInstanceOf(SQSServiceException);
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toContain('Dead letter target does not exist');
  });
});

describe('bad input gets AWS-shaped errors the SDK maps to its exception classes', () => {
  it('QueueDoesNotExist: 400, x-amzn-query-error and __type as SQS sends them', async () => {
    const err = await caught(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err.$metadata?.httpStatusCode).toBe(400);
    const send = await caught(
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${sandbox.url}/000000000000/no-such-queue`, MessageBody: 'x' }),
      ),
    );
    expect(send).toBeInstanceOf(QueueDoesNotExist);

    const res = await fetch(`${sandbox.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.GetQueueUrl', 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ QueueName: 'no-such-queue' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(res.headers.get('content-type')).toContain('application/x-amz-json-1.0');
    expect(await res.json()).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  });

  it('batch errors: empty, more than 10, repeated ids', async () => {
    const url = await queue('bad-batches');
    expect(
      await caught(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] }))),
    ).toBeInstanceOf(EmptyBatchRequest);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));
    expect(
      await caught(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: eleven }))),
    ).toBeInstanceOf(TooManyEntriesInBatchRequest);
    const twice = [
      { Id: 'same', MessageBody: 'x' },
      { Id: 'same', MessageBody: 'y' },
    ];
    expect(
      await caught(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: twice }))),
    ).toBeInstanceOf(BatchEntryIdsNotDistinct);
    expect((await counts(url)).visible).toBe(0);
  });

  it('limits: a message over 256 KiB, more than 10 per receive, a body with forbidden characters', async () => {
    const url = await queue('limits');
    const big = await caught(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_145) })),
    );
    expect(big.name).toBe('InvalidParameterValue');
    expect(big.message).toContain('262144 bytes');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_144) }));

    const many = await caught(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    );
    expect(many.name).toBe('InvalidParameterValue');
    expect(many.message).toContain('MaxNumberOfMessages');

    const nul = await caught(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })));
    expect(nul).toBeInstanceOf(InvalidMessageContents);
  });

  it('unknown attribute, different attributes for an existing name, a forged receipt handle', async () => {
    const url = await queue('attrs', { VisibilityTimeout: '5' });
    expect(
      await caught(
        sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['NoSuchAttribute' as never] }),
        ),
      ),
    ).toBeInstanceOf(InvalidAttributeName);
    expect(await caught(queue('attrs', { VisibilityTimeout: '6' }))).toBeInstanceOf(QueueNameExists);
    expect(
      await caught(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' }))),
    ).toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it('an unknown operation and a body that is not JSON', async () => {
    const post = (target: string, body: string) =>
      fetch(`${sandbox.url}/`, {
        method: 'POST',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
        body,
      });
    const unknown = await post('AmazonSQS.StealMessages', '{}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#InvalidAction');
    const notJson = await post('AmazonSQS.ListQueues', '{nope');
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('x-amzn-query-error')).toBe('SerializationException;Sender');
  });
});

describe('beside the rest of the sandbox', () => {
  it('CloudWatch Logs still answers its own JSON protocol on the same port', async () => {
    const logs = new CloudWatchLogsClient({
      endpoint: sandbox.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' },
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/bakeoff/sqs-neighbour' }));
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/bakeoff/sqs' }),
    );
    expect(logGroups?.map((g) => g.logGroupName)).toEqual(['/bakeoff/sqs-neighbour']);
    logs.destroy();
  });

  it('the request guard applies: a browser page on another origin is refused', async () => {
    const res = await fetch(`${sandbox.url}/`, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonSQS.ListQueues',
        'content-type': 'application/x-amz-json-1.0',
        origin: 'http://evil.example',
      },
      body: '{}',
    });
    expect(res.status).toBe(403);
  });
});

describe('bakeoff sandbox', () => {
  it('names the SQS endpoint in its banner: the main URL, where a client it configures works', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = runSandboxCommand(
      ['--port', '0', '--otlp-port', '0', '--datadog-port', '0', '--xray-port', '0'],
      {
        out: (line) => lines.push(line),
        stopSignal: stopped,
      },
    );
    await expect.poll(() => lines.some((l) => l.trim().startsWith('SQS'))).toBe(true);
    const main = lines.find((l) => l.includes('UI + JSON API'))!.match(/http:\/\/\S+/)![0];
    const endpoint = lines.find((l) => l.trim().startsWith('SQS'))!.match(/http:\/\/\S+/)![0];
    expect(endpoint).toBe(main);
    const client = sqsClient(endpoint);
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'from-banner' }));
    expect(QueueUrl).toBe(`${main}/000000000000/from-banner`);
    client.destroy();
    stop();
    await running;
  });
});

describe('the queues API', () => {
  it('lists queues with counts, and a queue with its messages in flight and their AWSTraceHeader', async () => {
    const traced = sqsClient(sandbox.url, { 'X-Amzn-Trace-Id': TRACE_HEADER });
    const url = await queue('api-view');
    await traced.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'token=abc123secret',
        MessageAttributes: { 'bakeoff.seq': { DataType: 'Number', StringValue: '3' } },
      }),
    );
    await traced.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'second', DelaySeconds: 900 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 600 }));
    traced.destroy();

    const list = (await (await fetch(`${sandbox.url}/api/queues`)).json()) as Array<Record<string, unknown>>;
    expect(list.find((q) => q.name === 'api-view')).toMatchObject({
      messages: 2,
      visible: 0,
      inFlight: 1,
      delayed: 1,
    });

    const one = (await (await fetch(`${sandbox.url}/api/queues/api-view`)).json()) as {
      messageList: Array<{
        state: string;
        body: string;
        attributes: Record<string, { value: string }>;
        systemAttributes: Record<string, unknown>;
      }>;
    };
    const inFlight = one.messageList.find((m) => m.state === 'inFlight');
    expect(inFlight?.systemAttributes).toMatchObject({
      AWSTraceHeader: TRACE_HEADER,
      ApproximateReceiveCount: 1,
    });
    expect(inFlight?.attributes['bakeoff.seq'].value).toBe('3');
    // Shown redacted like everything the sandbox shows; the consumer still gets the body as sent.
    expect(inFlight?.body).not.toContain('abc123secret');
    expect(one.messageList.map((m) => m.state).sort()).toEqual(['delayed', 'inFlight']);
  });

  it('answers 404 for an unknown queue and 400 for a bad limit', async () => {
    expect((await fetch(`${sandbox.url}/api/queues/nope`)).status).toBe(404);
    await queue('limit-check');
    const bad = await fetch(`${sandbox.url}/api/queues/limit-check?limit=0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('limit');
  });
});

describe('persistence and shutdown', () => {
  it('loses nothing acknowledged across a restart with --data; in-flight messages come back after their timeout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-sqs-'));
    try {
      let sb = await startSandbox({ ...PORTS, dataDir: dir });
      let client = sqsClient(sb.url);
      const url = (
        await client.send(
          new CreateQueueCommand({ QueueName: 'durable', Attributes: { VisibilityTimeout: '1' } }),
        )
      ).QueueUrl!;
      for (const body of ['kept-visible', 'kept-in-flight', 'deleted']) {
        await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
      }
      const received = (
        await client.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
        )
      ).Messages!;
      const deleted = received.find((m) => m.Body === 'deleted')!;
      await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: deleted.ReceiptHandle }));
      for (const m of received.filter((r) => r.Body === 'kept-visible')) {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
      // kept-in-flight stays hidden for 600 s; shorten it to 1 s so the restarted sandbox shows it coming back.
      const inFlight = received.find((m) => m.Body === 'kept-in-flight')!;
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: inFlight.ReceiptHandle,
          VisibilityTimeout: 1,
        }),
      );
      client.destroy();
      await sb.close();

      sb = await startSandbox({ ...PORTS, dataDir: dir });
      client = sqsClient(sb.url);
      const again = (await client.send(new GetQueueUrlCommand({ QueueName: 'durable' }))).QueueUrl!;
      expect(again).toBe(`${sb.url}/000000000000/durable`);
      const bodies: string[] = [];
      const counts: Record<string, string | undefined> = {};
      for (let i = 0; i < 10 && bodies.length < 2; i++) {
        const { Messages } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: again,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 5,
            AttributeNames: ['All'],
          }),
        );
        for (const m of Messages ?? []) {
          bodies.push(m.Body!);
          counts[m.Body!] = m.Attributes?.ApproximateReceiveCount;
        }
      }
      expect(bodies.sort()).toEqual(['kept-in-flight', 'kept-visible']);
      expect(counts['kept-in-flight']).toBe('2');
      client.destroy();
      await sb.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a receive waiting when the sandbox stops gets an empty answer at once', async () => {
    const sb = await startSandbox(PORTS);
    const client = sqsClient(sb.url);
    const url = (await client.send(new CreateQueueCommand({ QueueName: 'stopping' }))).QueueUrl!;
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${sb.url}/api/queues/stopping`)).json()) as { waitingReceives: number })
            .waitingReceives,
      )
      .toBe(1);
    await sb.close();
    expect((await waiting).Messages).toBeUndefined();
    client.destroy();
  });
});
