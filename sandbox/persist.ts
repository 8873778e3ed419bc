/**
 * The sandbox's NDJSON line format and its on-disk journal. One format serves three uses: the append-only
 * file under `dataDir` (replayed at start so a restart loses nothing), `GET /api/export` and
 * `POST /api/import`. Each line is a `SandboxLine` (see store.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SANDBOX_VENDORS } from './model';
import type { Journal, SandboxLine } from './store';

export const JOURNAL_FILE = 'sandbox.ndjson';

const bag = z.record(z.string(), z.unknown());
const nativeBags = z.record(z.string(), bag);
const vendor = z.enum(SANDBOX_VENDORS);
const id = z.string().nullable();
const seq = z.number().finite().nullable();

const span = z.object({
  vendor,
  traceId: z.string().min(1),
  spanId: z.string().min(1),
  parentId: id,
  name: z.string(),
  service: z.string(),
  kind: z.enum(['server', 'client', 'internal', 'producer', 'consumer']),
  startMs: z.number().finite(),
  durationMs: z.number().finite(),
  attributes: bag,
  native: nativeBags,
  status: z.enum(['ok', 'error', 'unset']),
  statusMessage: z.string().optional(),
  events: z.array(z.object({ name: z.string(), timeMs: z.number().finite(), attributes: bag })).optional(),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string(), attributes: bag })).optional(),
  inProgress: z.boolean().optional(),
});

const frame = z.object({
  function: z.string().optional(),
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
});

const error = z.object({
  vendor,
  type: z.string(),
  message: z.string(),
  frames: z.array(frame),
  level: z.string(),
  timestamp: z.number().finite(),
  traceId: id,
  spanId: id,
  runId: id,
  seq,
  attributes: bag,
  native: nativeBags,
});

const log = z.object({
  vendor,
  timestamp: z.number().finite(),
  level: z.string(),
  message: z.string(),
  traceId: id,
  spanId: id,
  runId: id,
  seq,
  group: id,
  stream: id,
  attributes: bag,
  native: nativeBags.optional(),
});

const payload = z.object({
  vendor,
  route: z.string(),
  bytes: z.number().int().nonnegative(),
  receivedAt: z.number().finite(),
  contentType: z.string().nullable(),
  spans: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  logs: z.number().int().nonnegative(),
});

const lineSchema = z.object({
  vendor,
  payload: payload.nullable(),
  receivedAt: z.number().finite().optional(),
  spans: z.array(span),
  errors: z.array(error),
  logs: z.array(log),
});

export const serializeLine = (line: SandboxLine): string => `${JSON.stringify(line)}\n`;

/** A problem with one NDJSON line; `line` is 1-based. */
export class NdjsonError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'NdjsonError';
  }
}

/** Parses and validates one line; throws NdjsonError naming the line and the first bad field. */
export function parseLine(text: string, lineNumber: number): SandboxLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new NdjsonError(lineNumber, 'not valid JSON');
  }
  const result = lineSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(line)';
    throw new NdjsonError(lineNumber, `${where}: ${issue.message}`);
  }
  return result.data as SandboxLine;
}

/** Parses a whole NDJSON document (blank lines skipped); all-or-nothing. */
export function parseNdjson(text: string): SandboxLine[] {
  const lines: SandboxLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed) lines.push(parseLine(trimmed, i + 1));
  });
  return lines;
}

/**
 * Cuts a byte stream into NDJSON lines as it arrives, so a 150 MB import or journal is never one string.
 * Yields each non-blank line with its 1-based number.
 */
export class NdjsonSplitter {
  private pending: Buffer[] = [];
  private lineNumber = 0;

  *push(chunk: Buffer): Generator<{ text: string; line: number }> {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      start = nl + 1;
      const line = this.next(bytes);
      if (line) yield line;
    }
    // A copy, so a small tail does not keep the whole chunk alive while the next one arrives.
    if (start < chunk.length) this.pending.push(Buffer.from(chunk.subarray(start)));
  }

  /** The last line, when the input did not end with a newline. */
  *end(): Generator<{ text: string; line: number }> {
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    const line = bytes.length > 0 ? this.next(bytes) : null;
    if (line) yield line;
  }

  private next(bytes: Buffer): { text: string; line: number } | null {
    this.lineNumber++;
    const text = bytes.toString('utf8').trim();
    return text === '' ? null : { text, line: this.lineNumber };
  }
}

const READ_CHUNK = 1024 * 1024;

/** The append-only journal file. Writes are synchronous so a crash right after a request loses nothing. */
export class FileJournal implements Journal {
  readonly file: string;
  private fd: number | null;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, JOURNAL_FILE);
    this.fd = fs.openSync(this.file, 'a');
  }

  /**
   * Reads what a previous run wrote, line by line into `onLine`, so a journal larger than memory (it is
   * append-only; the store keeps only its budget) can still be replayed. A line that fails to parse (typically
   * the last one, cut off by a crash) is skipped and counted rather than refusing to start.
   */
  static read(dataDir: string, onLine: (line: SandboxLine) => void): { lines: number; skipped: number } {
    const file = path.join(dataDir, JOURNAL_FILE);
    const counts = { lines: 0, skipped: 0 };
    if (!fs.existsSync(file)) return counts;
    const take = (raw: { text: string; line: number }) => {
      let line: SandboxLine;
      try {
        line = parseLine(raw.text, raw.line);
      } catch {
        counts.skipped++;
        return;
      }
      counts.lines++;
      onLine(line);
    };
    const splitter = new NdjsonSplitter();
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(READ_CHUNK);
      for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
        for (const raw of splitter.push(buffer.subarray(0, n))) take(raw);
      }
      for (const raw of splitter.end()) take(raw);
    } finally {
      fs.closeSync(fd);
    }
    return counts;
  }

  /** Every line or none: a failed write is cut back off, so the file never holds half of an ingest. */
  append(lines: SandboxLine[]): void {
    if (this.fd === null) return;
    const before = fs.fstatSync(this.fd).size;
    try {
      for (const line of lines) fs.writeSync(this.fd, serializeLine(line));
    } catch (err) {
      fs.ftruncateSync(this.fd, before);
      throw err;
    }
  }

  clear(): void {
    if (this.fd !== null) fs.ftruncateSync(this.fd, 0);
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
