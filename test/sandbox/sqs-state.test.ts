import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqsError } from '../../sandbox/sqs/errors';
import { FileSqsJournal, SQS_JOURNAL_FILE } from '../../sandbox/sqs/journal';
import { md5OfAttributes } from '../../sandbox/sqs/md5';
import { SqsState } from '../../sandbox/sqs/state';

/**
 * The emulator's pieces that the SDK cannot check: MD5OfMessageAttributes against digests real SQS returned,
 * and the memory caps. The protocol itself is tested with the real AWS SDK client in sqs.test.ts.
 */

describe('MD5OfMessageAttributes', () => {
  // Digests pinned as what AWS returns by moto's and LocalStack's SQS test suites.
  it.each([
    ['timestamp', '1493147359900', '235c5c510d26fb653d073faed50ae77c'],
    ['timestamp', '1493147359901', '994258b45346a2cc3f9cbb611aa7af30'],
    ['SOME_Valid.attribute-Name', '1493147359900', '36655e7e9d7c0e8479fa3f3f42247ae7'],
  ])('matches SQS for Number attribute %s = %s', (name, value, digest) => {
    expect(md5OfAttributes({ [name]: { DataType: 'Number', StringValue: value } })).toBe(digest);
  });

  it('sorts by name and is absent for no attributes', () => {
    const a = { DataType: 'String', StringValue: '1' };
    const b = { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]).toString('base64') };
    expect(md5OfAttributes({ a, b })).toBe(md5OfAttributes({ b, a }));
    expect(md5OfAttributes({})).toBeUndefined();
  });
});

describe('memory caps', () => {
  const send = (state: SqsState, body = 'x') => state.send('q', { body, attributes: {} });

  it('refuses a send past the per-queue message cap with OverLimit', () => {
    const state = new SqsState({ maxQueues: 10, maxMessagesPerQueue: 2, maxBytes: 1024 });
    state.createQueue('q', {});
    send(state);
    send(state);
    expect(() => send(state)).toThrow(SqsError);
    try {
      send(state);
    } catch (err) {
      expect((err as SqsError).shape).toBe('OverLimit');
      expect((err as SqsError).status).toBe(403);
    }
    expect(state.queue('q').messages.size).toBe(2);
  });

  it('refuses a send past the byte cap, and frees bytes on delete', () => {
    const state = new SqsState({ maxQueues: 10, maxMessagesPerQueue: 100, maxBytes: 10 });
    state.createQueue('q', {});
    send(state, '12345678');
    expect(() => send(state, '123')).toThrow(/bytes of messages/);
    const [m] = state.receive('q', 1);
    state.deleteMessage('q', state.receiptHandle('q', m));
    expect(state.bytes).toBe(0);
    send(state, '123');
  });

  it('refuses a queue past the queue cap', () => {
    const state = new SqsState({ maxQueues: 1, maxMessagesPerQueue: 1, maxBytes: 1 });
    state.createQueue('a', {});
    expect(() => state.createQueue('b', {})).toThrow(/at most 1 queues/);
  });
});

describe('the journal', () => {
  const withDir = (fn: (dir: string) => void) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-sqs-journal-'));
    try {
      fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const lines = (dir: string) => fs.readFileSync(path.join(dir, SQS_JOURNAL_FILE), 'utf8').trim().split('\n');

  it('is rewritten at start as a snapshot of what is left: history does not pile up', () => {
    withDir((dir) => {
      const first = new SqsState();
      const { journal } = FileSqsJournal.open(dir, first);
      first.createQueue('q', { VisibilityTimeout: '60' });
      for (const body of ['a', 'b', 'c']) first.send('q', { body, attributes: {} });
      for (const m of first.receive('q', 2)) first.deleteMessage('q', first.receiptHandle('q', m));
      journal.close();
      expect(lines(dir).length).toBeGreaterThan(2);

      const second = new SqsState();
      const reopened = FileSqsJournal.open(dir, second);
      expect([...second.queue('q').messages.values()].map((m) => m.body)).toEqual(['c']);
      expect(second.queue('q').config.visibilityTimeout).toBe(60);
      // One queue line and one message line.
      expect(lines(dir)).toHaveLength(2);
      reopened.journal.close();
    });
  });

  it('skips a line cut off by a crash and keeps everything before it', () => {
    withDir((dir) => {
      const first = new SqsState();
      const { journal } = FileSqsJournal.open(dir, first);
      first.createQueue('q', {});
      first.send('q', { body: 'kept', attributes: {} });
      journal.close();
      fs.appendFileSync(path.join(dir, SQS_JOURNAL_FILE), '{"op":"message","queue":"q","mess');

      const second = new SqsState();
      const reopened = FileSqsJournal.open(dir, second);
      expect(reopened.skipped).toBe(1);
      expect([...second.queue('q').messages.values()].map((m) => m.body)).toEqual(['kept']);
      reopened.journal.close();
    });
  });
});
