/**
 * The notifications role end to end: the activities service sends with the real @aws-sdk/client-sqs to the
 * sandbox's SQS emulator, the worker long-polls, stores, deletes; failures retry through the visibility
 * timeout and land in the dead-letter queue; chaos delays the send; the facade's carrier hooks carry a vendor's
 * headers across the queue.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNoneAdapter } from '../../adapters/none';
import type { Adapter, ConsumedMessage } from '../../adapters/types';
import { type RunningService, startService } from '../../app/service';
import { createStore } from '../../app/store';
import { loadConfig, SANDBOX_QUEUE_VAR } from '../../config/env';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { scrubVendorEnv, vendorScrubOverrides } from '../../vendors/credential-scrub';
import { spawnCli, type Spawned } from '../helpers/cli';
import { getJson, postJson } from '../helpers/services';

let sandbox: Sandbox;
let sqs: SQSClient;
const running: RunningService[] = [];
const spawned: Spawned[] = [];
let queueCounter = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  sqs = new SQSClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  for (const s of spawned) s.signal('SIGKILL');
  await Promise.all(running.map((s) => s.close()));
  sqs?.destroy();
  await sandbox?.close();
});

/** A scenario file with these rules; its path is what CHAOS takes. */
function scenario(rules: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bakeoff-notify-chaos-')), 'test.json');
  writeFileSync(file, JSON.stringify({ name: 'test', rules }));
  return file;
}

interface Trio {
  api: string;
  worker: string;
  queue: string;
  dataDir: string;
  env: Record<string, string>;
}

/** Users, activities and (unless `worker: false`) notifications, in this process, on one fresh queue. */
async function startTrio(
  env: Record<string, string> = {},
  adapters: Adapter[] = [createNoneAdapter({ serviceName: 'x', sandboxUrl: '', env: {} })],
  options: { worker?: boolean } = {},
): Promise<Trio> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-notify-'));
  const queue = `test-${process.pid}-${++queueCounter}`;
  const base = {
    DATA_DIR: dataDir,
    PORT: '0',
    USERS_PORT: '0',
    NOTIFICATIONS_PORT: '0',
    BAKEOFF_SANDBOX: sandbox.url,
    NOTIFICATIONS_QUEUE: queue,
    QUEUE_WAIT_S: '1',
    QUEUE_VISIBILITY_TIMEOUT_S: '1',
    ...env,
  };
  const start = async (
    role: 'users' | 'activities' | 'notifications',
    extra: Record<string, string> = {},
  ) => {
    const service = await startService(role, loadConfig({ ...base, ...extra }), adapters, { quiet: true });
    running.push(service);
    return service;
  };
  const users = await start('users');
  const worker = options.worker === false ? undefined : await start('notifications');
  const activities = await start('activities', {
    USERS_URL: users.url,
    ...(worker ? { NOTIFICATIONS_URL: worker.url } : {}),
  });
  return { api: activities.url, worker: worker?.url ?? '', queue, dataDir, env: base };
}

/** Polls until `check` returns something truthy (the worker is asynchronous by design). */
async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function notificationsOf(worker: string, handle: string) {
  const { status, body } = await getJson(`${worker}/api/notifications/${handle}`);
  expect(status).toBe(200);
  return body.notifications as Array<{ activity_uuid: string; kind: string; actor: string }>;
}

async function queueCounts(name: string) {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    url: QueueUrl!,
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

describe('notifications through SQS', { timeout: 60_000 }, () => {
  it('create → a notification for every mentioned handle, none for the author', async () => {
    const trio = await startTrio();
    const created = await postJson(`${trio.api}/api/activities`, {
      handle: 'ada',
      message: 'Ping @grace and @linus (and @ada, and mail@margaret.example)',
    });
    expect(created.status).toBe(201);
    const uuid = created.body.uuid as string;
    const grace = await eventually(async () => {
      const list = await notificationsOf(trio.worker, 'grace');
      return list.length > 0 && list;
    }, 'grace notified');
    expect(grace).toEqual([expect.objectContaining({ activity_uuid: uuid, kind: 'mention', actor: 'ada' })]);
    expect(await notificationsOf(trio.worker, 'linus')).toHaveLength(1);
    expect(await notificationsOf(trio.worker, 'ada')).toEqual([]);
    expect(await notificationsOf(trio.worker, 'margaret')).toEqual([]);
    // Handled and deleted: nothing left on the queue.
    await eventually(async () => {
      const c = await queueCounts(trio.queue);
      return c.visible === 0 && c.inFlight === 0;
    }, 'queue empty');
  });

  it('reply → the author replied to is notified', async () => {
    const trio = await startTrio();
    const post = await postJson(`${trio.api}/api/activities`, { handle: 'grace', message: 'a post' });
    const reply = await postJson(`${trio.api}/api/activities/${post.body.uuid}/reply`, {
      handle: 'linus',
      message: 'a reply',
    });
    expect(reply.status).toBe(201);
    const list = await eventually(async () => {
      const found = await notificationsOf(trio.worker, 'grace');
      return found.length > 0 && found;
    }, 'grace notified of the reply');
    expect(list).toEqual([
      expect.objectContaining({ activity_uuid: reply.body.uuid, kind: 'reply', actor: 'linus' }),
    ]);
  });

  it('sends the message shape and correlation attributes the worker and compare rely on', async () => {
    const trio = await startTrio({}, undefined, { worker: false });
    const created = await postJson(
      `${trio.api}/api/activities`,
      { handle: 'ada', message: 'hello @grace' },
      { 'x-bakeoff-run': 'run-42', 'x-bakeoff-seq': '7' },
    );
    expect(created.status).toBe(201);
    const { url } = await queueCounts(trio.queue);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    expect(JSON.parse(Messages![0].Body!)).toEqual({
      activityId: created.body.uuid,
      kind: 'created',
      handle: 'ada',
      mentions: ['grace'],
      replyTo: null,
    });
    expect(Messages![0].MessageAttributes).toEqual({
      'bakeoff.run_id': { DataType: 'String', StringValue: 'run-42' },
      'bakeoff.seq': { DataType: 'String', StringValue: '7' },
    });
  });

  it('a failing worker: redelivered through the visibility timeout, then in the DLQ after N receives', async () => {
    const trio = await startTrio({
      QUEUE_MAX_RECEIVES: '2',
      CHAOS: scenario([{ name: 'worker-down', route: 'worker:notify', fault: { rate: 1 } }]),
    });
    const created = await postJson(`${trio.api}/api/activities`, { handle: 'ada', message: 'hi @grace' });
    expect(created.status).toBe(201);
    const dlq = await queueCounts(`${trio.queue}-dlq`);
    const moved = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq.url,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      return Messages?.[0];
    }, 'the message in the DLQ');
    expect(JSON.parse(moved.Body!).activityId).toBe(created.body.uuid);
    // Received twice by the worker (both failed), then moved: its count says so.
    expect(Number(moved.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
    expect(await notificationsOf(trio.worker, 'grace')).toEqual([]);
  });

  it('a transient fault: the retry draws again (seq and receive count), succeeds, and notifies once', async () => {
    const receives: number[] = [];
    const counter: Adapter = {
      name: 'none',
      destination: { kind: 'sandbox', endpoint: 'test' },
      start() {},
      consumeMessage(_carrier, message, fn) {
        receives.push(message.receiveCount);
        return fn();
      },
      async flush() {},
      async shutdown() {},
    };
    // Seed 2, rule `flaky`, seq 1: the first receive draws a fault, the second does not (app/chaos/random.ts).
    const trio = await startTrio(
      { CHAOS: scenario([{ name: 'flaky', route: 'worker:notify', fault: { rate: 0.5 } }]), CHAOS_SEED: '2' },
      [counter],
    );
    const created = await postJson(
      `${trio.api}/api/activities`,
      { handle: 'ada', message: 'hi @linus' },
      { 'x-bakeoff-seq': '1' },
    );
    const list = await eventually(async () => {
      const found = await notificationsOf(trio.worker, 'linus');
      return found.length > 0 && found;
    }, 'linus notified despite the fault');
    expect(list).toEqual([expect.objectContaining({ activity_uuid: created.body.uuid })]);
    expect(receives).toEqual([1, 2]);
  });
});

describe('the facade carrier hooks and chaos on the send', { timeout: 60_000 }, () => {
  it('injectMessage headers reach consumeMessage; the send delay is a chaos span inside the request', async () => {
    const spans: Array<{ name: string; attributes?: Record<string, unknown>; parent?: string }> = [];
    const consumed: Array<{ carrier: Readonly<Record<string, string>>; message: ConsumedMessage }> = [];
    let current: string | undefined;
    const recorder: Adapter = {
      name: 'none',
      destination: { kind: 'sandbox', endpoint: 'test' },
      start() {},
      async withSpan(name, options, fn) {
        spans.push({ name, attributes: options.attributes, parent: current });
        const outer = current;
        current = name;
        try {
          return await fn();
        } finally {
          current = outer;
        }
      },
      injectMessage(carrier) {
        carrier['x-test-trace'] = `from:${current}`;
      },
      consumeMessage(carrier, message, fn) {
        consumed.push({ carrier, message });
        return fn();
      },
      async flush() {},
      async shutdown() {},
    };
    const trio = await startTrio(
      { CHAOS: scenario([{ name: 'slow-send', route: 'queue:send', latency: { dist: 'fixed', ms: 50 } }]) },
      [recorder],
    );
    const created = await postJson(
      `${trio.api}/api/activities`,
      { handle: 'ada', message: '@grace' },
      {
        'x-bakeoff-run': 'run-hooks',
        'x-bakeoff-seq': '3',
      },
    );
    expect(created.status).toBe(201);
    expect(spans).toContainEqual({
      name: 'chaos.latency',
      attributes: { 'chaos.delay_ms': 50, 'chaos.rule': 'slow-send' },
      parent: 'activities.create',
    });
    await eventually(async () => consumed.length > 0, 'a consumed message');
    const [{ carrier, message }] = consumed;
    expect(carrier).toEqual({
      'x-test-trace': 'from:activities.create',
      'bakeoff.run_id': 'run-hooks',
      'bakeoff.seq': '3',
    });
    expect(message).toMatchObject({ queue: trio.queue, receiveCount: 1 });
    expect(message.systemAttributes.SentTimestamp).toMatch(/^\d+$/);
    await eventually(async () => (await notificationsOf(trio.worker, 'grace')).length === 1, 'stored');
  });

  it('an adapter whose consumeMessage or injectMessage throws never stops the notification', async () => {
    const broken: Adapter = {
      name: 'none',
      destination: { kind: 'sandbox', endpoint: 'test' },
      start() {},
      injectMessage() {
        throw new Error('inject broke');
      },
      consumeMessage() {
        throw new Error('consume broke');
      },
      async flush() {},
      async shutdown() {},
    };
    const trio = await startTrio({}, [broken]);
    const created = await postJson(`${trio.api}/api/activities`, { handle: 'ada', message: '@grace hi' });
    expect(created.status).toBe(201);
    await eventually(async () => (await notificationsOf(trio.worker, 'grace')).length === 1, 'stored');
  });
});

describe('failures that must not reach the request', { timeout: 60_000 }, () => {
  it('no queue reachable: the create still answers 201', async () => {
    const trio = await startTrio({ BAKEOFF_SANDBOX: 'http://127.0.0.1:9' }, undefined, { worker: false });
    const created = await postJson(`${trio.api}/api/activities`, { handle: 'ada', message: 'hi @grace' });
    expect(created.status).toBe(201);
  });

  it('a bad handle on the API is a 400 naming the rule', async () => {
    const trio = await startTrio();
    const res = await getJson(`${trio.worker}/api/notifications/NOT-A-HANDLE`);
    expect(res.status).toBe(400);
    expect(res.body.error ?? res.body.message ?? JSON.stringify(res.body)).toMatch(/handle/);
    // `?limit=` (compare reads up to 1000) takes 1–1000; anything else is a 400 naming the rule.
    for (const limit of ['0', '1001', 'ten', '2.5']) {
      const bad = await getJson(`${trio.worker}/api/notifications/grace?limit=${limit}`);
      expect(bad.status, limit).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/limit: must be a whole number from 1 to 1000/);
    }
    expect((await getJson(`${trio.worker}/api/notifications/grace?limit=1000`)).status).toBe(200);
  });

  it('the worker health check says whether it reaches the queue', async () => {
    const trio = await startTrio();
    const ok = await eventually(async () => {
      const res = await getJson(`${trio.worker}/api/health-check`);
      return res.status === 200 && res.body;
    }, 'healthy worker');
    expect(ok).toMatchObject({ service: 'notifications', queue: { ok: true } });
  });
});

describe('admin chaos reaches the worker', { timeout: 60_000 }, () => {
  it('a scenario switched on the activities service applies on the worker too', async () => {
    const trio = await startTrio({ ADMIN_TOKEN: 'test-admin-token' });
    const auth = { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' };
    const put = await fetch(`${trio.api}/admin/chaos`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ scenario: 'incident', seed: 9 }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { propagated: unknown }).propagated).toMatchObject({
      notifications: 'applied',
    });
    const onWorker = await getJson(`${trio.worker}/admin/chaos`, { authorization: auth.authorization });
    expect(onWorker.body).toMatchObject({ scenario: { name: 'incident' }, seed: 9 });
  });
});

describe('SIGTERM mid-message', { timeout: 60_000 }, () => {
  it('finishes and deletes the message in hand, then exits 0', async () => {
    const trio = await startTrio(
      {
        CHAOS: scenario([
          { name: 'slow-worker', route: 'worker:notify', latency: { dist: 'fixed', ms: 1500 } },
        ]),
      },
      undefined,
      { worker: false },
    );
    const worker = spawnCli(['serve', '--role', 'notifications', '--quiet'], {
      ...trio.env,
      QUEUE_VISIBILITY_TIMEOUT_S: '30',
      OBSERVABILITY: 'none',
    });
    spawned.push(worker);
    await worker.waitFor(/listening on/);
    const created = await postJson(`${trio.api}/api/activities`, { handle: 'ada', message: '@margaret' });
    expect(created.status).toBe(201);
    // In hand: received (not visible), not yet deleted.
    await eventually(async () => (await queueCounts(trio.queue)).inFlight === 1, 'the message in flight');
    worker.signal('SIGTERM');
    expect((await worker.exited).code, worker.output()).toBe(0);
    const after = await queueCounts(trio.queue);
    expect(after).toMatchObject({ visible: 0, inFlight: 0 });
    const store = await createStore({ dataDir: trio.dataDir, fileName: 'notifications.sqlite', seed: false });
    try {
      expect(await store.notificationsFor('margaret', 10)).toEqual([
        expect.objectContaining({ activityUuid: created.body.uuid, actor: 'ada' }),
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('bakeoff queue', { timeout: 60_000 }, () => {
  it('creates, reports and tears down the queue pair (here in the sandbox; real SQS with AWS_REGION)', async () => {
    const env = { BAKEOFF_SANDBOX: sandbox.url, BAKEOFF_STACK: `cli-${process.pid}`, AWS_REGION: undefined };
    const run = async (action: string) => {
      const proc = spawnCli(['queue', action], env);
      spawned.push(proc);
      const exit = await proc.exited;
      expect(exit.code, proc.output()).toBe(0);
      return proc.output();
    };
    expect(await run('create')).toContain(`/000000000000/bakeoff-cli-${process.pid}-notifications-dlq`);
    expect(await run('status')).toMatch(new RegExp(`bakeoff-cli-${process.pid}-notifications: 0 waiting`));
    expect(await run('teardown')).toContain(
      `deleted bakeoff-cli-${process.pid}-notifications, bakeoff-cli-${process.pid}-notifications-dlq`,
    );
    expect(await run('teardown')).toContain('no queue to delete');
  });
});

describe('real SQS only when asked', () => {
  it('AWS_REGION selects real SQS; the scrub every sandbox run applies removes it, so tests never reach AWS', () => {
    const shell = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', BAKEOFF_STACK: 'prod' };
    expect(loadConfig(shell).queue).toMatchObject({
      awsRegion: 'eu-west-1',
      name: 'bakeoff-prod-notifications',
      deadLetterName: 'bakeoff-prod-notifications-dlq',
    });
    expect(loadConfig(scrubVendorEnv(shell)).queue.awsRegion).toBeUndefined();
    expect(loadConfig({ ...vendorScrubOverrides(shell) }).queue.awsRegion).toBeUndefined();
    // A key without a region is not enough: the app's messages stay in the sandbox.
    expect(loadConfig({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }).queue.awsRegion).toBeUndefined();
    // `serve --with-sandbox` started a sandbox for this run: it is the queue, region in the shell or not.
    expect(loadConfig({ ...shell, [SANDBOX_QUEUE_VAR]: '1' }).queue.awsRegion).toBeUndefined();
  });
});
