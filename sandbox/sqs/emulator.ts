/**
 * One SQS emulator: its state (replayed from `dataDir/sqs.ndjson` when the sandbox has `--data`), long polls,
 * the protocol routes and the queues API, on one express router for the sandbox's main port.
 */
import express from 'express';
import { queuesApiRouter } from './api';
import { FileSqsJournal } from './journal';
import { LongPoll } from './long-poll';
import { sqsRouter } from './router';
import { DEFAULT_SQS_CAPS, type SqsCaps, SqsState } from './state';

/** How long closing waits for answers already on their way (long polls answered empty at close). */
const CLOSE_GRACE_MS = 2_000;

export interface SqsEmulatorOptions {
  dataDir?: string;
  caps?: Partial<SqsCaps>;
}

export interface SqsEmulator {
  router: express.Router;
  state: SqsState;
  /** Journal lines replayed at start, and lines skipped as unreadable. */
  replayed: { lines: number; skipped: number };
  /**
   * Answers every waiting receive with no messages and waits for those answers to go out; later receives no
   * longer wait. Call it before the listener cuts connections.
   */
  stopPolling(): Promise<void>;
  /** Stops polling, then closes the journal: call it once the listener has stopped. */
  close(): Promise<void>;
}

export function createSqsEmulator(options: SqsEmulatorOptions = {}): SqsEmulator {
  const state = new SqsState({ ...DEFAULT_SQS_CAPS, ...options.caps });
  const opened = options.dataDir ? FileSqsJournal.open(options.dataDir, state) : undefined;
  const longPoll = new LongPoll(state);
  const pending = new Set<Promise<void>>();
  const router = express.Router();
  router.use(queuesApiRouter(state, longPoll));
  router.use(sqsRouter({ state, longPoll, pending }));
  let stopped: Promise<void> | undefined;
  const stopPolling = () =>
    (stopped ??= (async () => {
      longPoll.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...pending]),
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
      ]);
      clearTimeout(timer);
    })());
  return {
    router,
    state,
    replayed: { lines: opened?.replayed ?? 0, skipped: opened?.skipped ?? 0 },
    stopPolling,
    async close() {
      await stopPolling();
      opened?.journal.close();
    },
  };
}
