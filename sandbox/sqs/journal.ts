/**
 * The SQS emulator's persistence under the sandbox's `--data` directory: `sqs.ndjson`, one `SqsEntry` per
 * line, appended synchronously before the call is answered, so every acknowledged send, receive and delete
 * survives a restart (or a kill). At start the file is replayed and rewritten as a snapshot of what is left
 * (queues and live messages only); while running it is compacted the same way once it holds far more lines
 * than there are messages, so it stays proportional to the queues, not to their history.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NdjsonSplitter } from '../persist';
import type { SqsEntry, SqsJournal, SqsState } from './state';

export const SQS_JOURNAL_FILE = 'sqs.ndjson';
/** Compact once the file has this many lines more than a snapshot would. */
const COMPACT_SLACK = 10_000;
const READ_CHUNK = 1024 * 1024;

const OPS = new Set(['queue', 'dropQueue', 'message', 'receive', 'visibility', 'delete', 'purge']);

const serialize = (entries: Iterable<SqsEntry>): string => {
  let text = '';
  for (const e of entries) text += `${JSON.stringify(e)}\n`;
  return text;
};

export class FileSqsJournal implements SqsJournal {
  readonly file: string;
  private fd: number | null = null;
  private lines = 0;
  private compactScheduled = false;

  private constructor(
    dataDir: string,
    private readonly state: SqsState,
  ) {
    this.file = path.join(dataDir, SQS_JOURNAL_FILE);
  }

  /**
   * Replays `dataDir/sqs.ndjson` into `state`, rewrites it as a snapshot, and attaches the journal to the
   * state. A line that does not parse (the last one, cut off by a crash) is skipped and counted.
   */
  static open(
    dataDir: string,
    state: SqsState,
  ): { journal: FileSqsJournal; replayed: number; skipped: number } {
    fs.mkdirSync(dataDir, { recursive: true });
    const journal = new FileSqsJournal(dataDir, state);
    const counts = journal.replay();
    journal.compact();
    state.setJournal(journal);
    return { journal, ...counts };
  }

  private replay(): { replayed: number; skipped: number } {
    const counts = { replayed: 0, skipped: 0 };
    if (!fs.existsSync(this.file)) return counts;
    const take = ({ text }: { text: string }) => {
      try {
        const entry = JSON.parse(text) as SqsEntry;
        if (typeof entry !== 'object' || entry === null || !OPS.has(entry.op))
          throw new Error('not an entry');
        this.state.apply(entry);
        counts.replayed++;
      } catch {
        counts.skipped++;
      }
    };
    const splitter = new NdjsonSplitter();
    const fd = fs.openSync(this.file, 'r');
    try {
      const buffer = Buffer.alloc(READ_CHUNK);
      for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
        for (const line of splitter.push(buffer.subarray(0, n))) take(line);
      }
      for (const line of splitter.end()) take(line);
    } finally {
      fs.closeSync(fd);
    }
    return counts;
  }

  /** Every entry or none: a failed write is cut back off, and the state does not apply the entries. */
  append(entries: SqsEntry[]): void {
    if (this.fd === null) return;
    const before = fs.fstatSync(this.fd).size;
    try {
      fs.writeSync(this.fd, serialize(entries));
    } catch (err) {
      fs.ftruncateSync(this.fd, before);
      throw err;
    }
    this.lines += entries.length;
    if (
      !this.compactScheduled &&
      this.lines > COMPACT_SLACK + 2 * (this.state.messageCount + this.state.queues.size)
    ) {
      // The state applies `entries` after this returns: compact once they are applied.
      this.compactScheduled = true;
      queueMicrotask(() => {
        this.compactScheduled = false;
        if (this.fd !== null) this.compact();
      });
    }
  }

  /** Rewrites the file as the current snapshot: written beside it, then renamed over it. */
  compact(): void {
    const tmp = `${this.file}.tmp`;
    const text = serialize(this.state.snapshot());
    fs.writeFileSync(tmp, text);
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.lines = this.state.messageCount + this.state.queues.size;
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
