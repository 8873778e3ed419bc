#!/usr/bin/env node
// The sandbox's SQS emulator under the real AWS SDK v3 client: `bakeoff sandbox` runs as its own process (so
// its RSS is its own); producers send N messages of 1 KiB with 3 attributes while consumers long-poll batches of
// 10 and delete them. Reports messages/s end to end (first send → last delete), the p50/p99 of SendMessage and
// of a batch's receive → delete, and the sandbox's RSS. Run once in memory and once with --data (journal on).
//
// Usage: npm run build && node scripts/bench-sqs.js [--messages 5000] [--producers 8] [--consumers 4] [--json]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} = require('@aws-sdk/client-sqs');
const { memory, startSandbox: startSandboxProcess, stopSandbox: stop } = require('./sandbox-process');

const args = process.argv.slice(2);
const option = (name, fallback) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
const MESSAGES = Number(option('messages', 5000));
const PRODUCERS = Number(option('producers', 8));
const CONSUMERS = Number(option('consumers', 4));
const asJson = args.includes('--json');
const BODY = JSON.stringify({ activityId: 'x'.repeat(36), kind: 'created', text: 'y'.repeat(900) });

const startSandbox = (dataDir) => startSandboxProcess(dataDir ? ['--data', dataDir] : []);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

async function run(label, dataDir) {
  const sandbox = await startSandbox(dataDir);
  const client = new SQSClient({
    endpoint: sandbox.sqsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
  });
  const QueueUrl = (await client.send(new CreateQueueCommand({ QueueName: 'bench' }))).QueueUrl;
  // Warm-up, untimed: the client's first calls (credential resolution, JIT) would otherwise count against the first run.
  for (let i = 0; i < 50; i++) {
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: BODY }));
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );
    for (const m of Messages)
      await client.send(
        new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: '0', ReceiptHandle: m.ReceiptHandle }] }),
      );
  }
  const sendMs = [];
  const batchMs = [];
  let sent = 0;
  let deleted = 0;
  const started = performance.now();
  const produce = async () => {
    while (sent < MESSAGES) {
      const seq = sent++;
      const t = performance.now();
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: BODY,
          MessageAttributes: {
            'bakeoff.run_id': { DataType: 'String', StringValue: 'bench' },
            'bakeoff.seq': { DataType: 'Number', StringValue: String(seq) },
            traceparent: { DataType: 'String', StringValue: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
          },
        }),
      );
      sendMs.push(performance.now() - t);
    }
  };
  const consume = async () => {
    while (deleted < MESSAGES) {
      const t = performance.now();
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) continue;
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      deleted += Messages.length;
      batchMs.push(performance.now() - t);
    }
  };
  await Promise.all([
    ...Array.from({ length: PRODUCERS }, produce),
    ...Array.from({ length: CONSUMERS }, consume),
  ]);
  const seconds = (performance.now() - started) / 1000;
  const result = {
    label,
    messages: MESSAGES,
    messagesPerSecond: Math.round(MESSAGES / seconds),
    sendP50Ms: Number(percentile(sendMs, 50).toFixed(1)),
    sendP99Ms: Number(percentile(sendMs, 99).toFixed(1)),
    receiveDeleteBatchP50Ms: Number(percentile(batchMs, 50).toFixed(1)),
    sandboxRssMb: memory(sandbox.child.pid).rssMb,
  };
  client.destroy();
  await stop(sandbox);
  return result;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-bench-sqs-'));
  try {
    const results = [await run('memory', undefined), await run('--data (journal)', dir)];
    results.forEach(
      (r) => (r.journalBytes = r.label === 'memory' ? 0 : fs.statSync(path.join(dir, 'sqs.ndjson')).size),
    );
    const machine = {
      cpus: os.cpus().length,
      loadavg: os.loadavg().map((l) => Number(l.toFixed(1))),
      node: process.version,
    };
    if (asJson) {
      console.log(JSON.stringify({ machine, producers: PRODUCERS, consumers: CONSUMERS, results }, null, 2));
      return;
    }
    console.log(
      `${MESSAGES} messages, ${PRODUCERS} producers, ${CONSUMERS} consumers; load average ${machine.loadavg.join(' ')}`,
    );
    for (const r of results) {
      console.log(
        `${r.label.padEnd(18)} ${String(r.messagesPerSecond).padStart(6)} msg/s   send p50 ${r.sendP50Ms} ms p99 ${r.sendP99Ms} ms   ` +
          `receive+delete batch p50 ${r.receiveDeleteBatchP50Ms} ms   sandbox RSS ${r.sandboxRssMb} MB`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
