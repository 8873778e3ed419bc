/**
 * What compare checks of the notifications hop itself, whatever the vendor recorded, from the sandbox's queues
 * API and the worker's own API: which messages the emulator moved to the dead-letter queue, how many times it
 * redelivered a message, and whether the workload's @mentions reached the worker's notifications API.
 */
/**
 * Compare's queue settings: a failed message comes back after 1 s, and goes to the dead-letter queue at its
 * next receive after 2 failed ones, so retries and dead letters both happen within a run. The send's bound is
 * raised from 1 s to 5 s: on a loaded machine a send that gave up would leave a message out of every count for
 * reasons that are not the vendor's.
 */
export const COMPARE_QUEUE_ENV = {
  QUEUE_VISIBILITY_TIMEOUT_S: '1',
  QUEUE_MAX_RECEIVES: '2',
  QUEUE_SEND_TIMEOUT_MS: '5000',
} as const;
export const COMPARE_MAX_RECEIVES = Number(COMPARE_QUEUE_ENV.QUEUE_MAX_RECEIVES);

/**
 * GET, tried once more when the connection fails (a keep-alive socket the server closed as it was reused):
 * a read must not end a many-minute run. The error names the URL and the cause.
 */
export async function fetchOnce(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      return await fetch(url);
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? String(error);
      throw new Error(`GET ${url} failed: ${cause}`, { cause: error });
    }
  }
}

export interface DeadLetter {
  /** The message id (SQS keeps it when it redrives a message). */
  id: string;
  /** The originating request's seq and the activity the message was about, when it names them. */
  seq: number | null;
  activityId: string | null;
}

interface ShownMessage {
  id: string;
  body: string;
  attributes: Record<string, { value: string }>;
}

/**
 * The run's messages in the dead-letter queue, from the sandbox's queues API (none when the queue was never
 * created). A sandbox kept across runs keeps older runs' dead letters: only `runId`'s are taken.
 */
export async function readDeadLetters(
  sandboxUrl: string,
  queue: string,
  runId: string,
): Promise<DeadLetter[]> {
  const res = await fetchOnce(`${sandboxUrl}/api/queues/${encodeURIComponent(queue)}?limit=10000`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`sandbox /api/queues/${queue} answered ${res.status}`);
  const { messageList } = (await res.json()) as { messageList: ShownMessage[] };
  const ofRun = messageList.filter((m) => m.attributes['bakeoff.run_id']?.value === runId);
  return ofRun.map((m) => {
    const seq = Number(m.attributes['bakeoff.seq']?.value);
    let activityId: string | null = null;
    try {
      const body = JSON.parse(m.body) as { activityId?: unknown };
      if (typeof body.activityId === 'string') activityId = body.activityId;
    } catch {
      // A body that is not JSON names no activity.
    }
    return { id: m.id, seq: Number.isInteger(seq) ? seq : null, activityId };
  });
}

/** The queue's delivery counters (sandbox/sqs): messages handed out, and those handed out again. */
export async function readDeliveries(
  sandboxUrl: string,
  queue: string,
): Promise<{ deliveries: number; redeliveries: number }> {
  const res = await fetchOnce(`${sandboxUrl}/api/queues/${encodeURIComponent(queue)}?limit=1`);
  if (res.status === 404) return { deliveries: 0, redeliveries: 0 };
  if (!res.ok) throw new Error(`sandbox /api/queues/${queue} answered ${res.status}`);
  const { deliveries, redeliveries } = (await res.json()) as { deliveries: number; redeliveries: number };
  return { deliveries, redeliveries };
}

export interface MentionCheck {
  /** Mentions in the run's successful creates and replies whose message was not dead-lettered. */
  expected: number;
  /** Of those, the ones the worker's API holds (the mentioned handle notified about that activity). */
  found: number;
}

/** Asks the worker's API, once per mentioned handle, for the notifications each mention should have made. */
export async function checkMentions(
  workerUrl: string,
  expected: ReadonlyArray<{ handle: string; activityUuid: string }>,
): Promise<MentionCheck> {
  const handles = [...new Set(expected.map((e) => e.handle))];
  const held = new Set<string>();
  for (const handle of handles) {
    const res = await fetchOnce(`${workerUrl}/api/notifications/${encodeURIComponent(handle)}?limit=1000`);
    if (!res.ok) throw new Error(`worker /api/notifications/${handle} answered ${res.status}`);
    const { notifications } = (await res.json()) as { notifications: Array<{ activity_uuid: string }> };
    for (const n of notifications) held.add(`${handle} ${n.activity_uuid}`);
  }
  const found = expected.filter((e) => held.has(`${e.handle} ${e.activityUuid}`)).length;
  return { expected: expected.length, found };
}
