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
   * Reads what a previous run wrote. A line that fails to parse (typically the last one, cut off by a crash)
   * is skipped and counted rather than refusing to start.
   */
  static read(dataDir: string): { lines: SandboxLine[]; skipped: number } {
    const file = path.join(dataDir, JOURNAL_FILE);
    if (!fs.existsSync(file)) return { lines: [], skipped: 0 };
    const lines: SandboxLine[] = [];
    let skipped = 0;
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((raw, i) => {
        if (!raw.trim()) return;
        try {
          lines.push(parseLine(raw, i + 1));
        } catch {
          skipped++;
        }
      });
    return { lines, skipped };
  }

  append(line: SandboxLine): void {
    if (this.fd === null) return;
    fs.writeSync(this.fd, serializeLine(line));
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
