import type { StackFrame } from '../model';

/**
 * Parses a stack trace as text into frames, innermost first as the model keeps them. OTel's
 * `exception.stacktrace` and Datadog's `error.stack` both carry the runtime's own text, so Datadog reuses this.
 * V8 lines are `at fn (file:line:col)` or `at file:line:col` (innermost first); Python's traceback lines are
 * `File "x", line N, in fn` (outermost first: "most recent call last"). Other lines (the message line, source
 * lines, `... N more`) are skipped.
 */
const V8_WITH_FN = /^\s*at (?:async )?(.*?) \((.*?)(?::(\d+))?(?::(\d+))?\)$/;
const V8_BARE = /^\s*at (?:async )?(.*?)(?::(\d+))?(?::(\d+))?$/;
const PYTHON = /^\s*File "(.*)", line (\d+)(?:, in (.*))?$/;
const PYTHON_HEADER = /^\s*Traceback \(most recent call last\):/;

const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

function parseLine(line: string): StackFrame | null {
  let m = V8_WITH_FN.exec(line);
  if (m) return { function: m[1], file: m[2], line: num(m[3]), column: num(m[4]) };
  m = V8_BARE.exec(line);
  if (m) return { file: m[1], line: num(m[2]), column: num(m[3]) };
  return null;
}

export function parseStackTrace(stack: unknown): StackFrame[] {
  if (typeof stack !== 'string' || stack === '') return [];
  const lines = stack.split('\n');
  const python = pythonFrames(lines);
  if (python.length > 0) return python;
  const frames: StackFrame[] = [];
  for (const line of lines) {
    const frame = parseLine(line);
    if (frame) frames.push(stripUndefined(frame));
  }
  return frames;
}

/**
 * A Python traceback's frames, reversed to innermost first. A chained exception prints one traceback per
 * exception ("During handling of the above exception…"), the one raised last at the end: its frames are the
 * error's own, so reading starts after the last header.
 */
function pythonFrames(lines: string[]): StackFrame[] {
  let start = 0;
  lines.forEach((line, i) => {
    if (PYTHON_HEADER.test(line)) start = i + 1;
  });
  const frames: StackFrame[] = [];
  for (const line of lines.slice(start)) {
    const m = PYTHON.exec(line);
    if (m) frames.push(stripUndefined({ file: m[1], line: num(m[2]), function: m[3] }));
  }
  return frames.reverse();
}

function stripUndefined(frame: StackFrame): StackFrame {
  const out: StackFrame = {};
  if (frame.function) out.function = frame.function;
  if (frame.file) out.file = frame.file;
  if (frame.line !== undefined && Number.isFinite(frame.line)) out.line = frame.line;
  if (frame.column !== undefined && Number.isFinite(frame.column)) out.column = frame.column;
  return out;
}
