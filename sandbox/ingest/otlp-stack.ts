import type { StackFrame } from '../model';

/**
 * Parses a stack trace as text into frames. OTel's `exception.stacktrace` and Datadog's `error.stack` both carry
 * the runtime's `err.stack` string, so Datadog reuses this. V8 lines are `at fn (file:line:col)` or
 * `at file:line:col`; Python's `File "x", line N, in fn` is read too. Lines that match neither (the message
 * line, `... N more`) are skipped.
 */
const V8_WITH_FN = /^\s*at (?:async )?(.*?) \((.*?)(?::(\d+))?(?::(\d+))?\)$/;
const V8_BARE = /^\s*at (?:async )?(.*?)(?::(\d+))?(?::(\d+))?$/;
const PYTHON = /^\s*File "(.*)", line (\d+)(?:, in (.*))?$/;

const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

function parseLine(line: string): StackFrame | null {
  let m = V8_WITH_FN.exec(line);
  if (m) return { function: m[1], file: m[2], line: num(m[3]), column: num(m[4]) };
  m = V8_BARE.exec(line);
  if (m) return { file: m[1], line: num(m[2]), column: num(m[3]) };
  m = PYTHON.exec(line);
  if (m) return { file: m[1], line: num(m[2]), function: m[3] };
  return null;
}

/** Frames in the order the text lists them (innermost first for V8). */
export function parseStackTrace(stack: unknown): StackFrame[] {
  if (typeof stack !== 'string' || stack === '') return [];
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const frame = parseLine(line);
    if (frame) frames.push(stripUndefined(frame));
  }
  return frames;
}

function stripUndefined(frame: StackFrame): StackFrame {
  const out: StackFrame = {};
  if (frame.function) out.function = frame.function;
  if (frame.file) out.file = frame.file;
  if (frame.line !== undefined && Number.isFinite(frame.line)) out.line = frame.line;
  if (frame.column !== undefined && Number.isFinite(frame.column)) out.column = frame.column;
  return out;
}
