/**
 * JSON answers written piece by piece. A list of a hundred thousand records (or a few very large ones) as one
 * `JSON.stringify` would build one string as big as the whole answer: past V8's string limit that throws
 * (`RangeError: Invalid string length`) and before it the string costs its size again in memory.
 */
import type { ServerResponse } from 'node:http';

/** Bytes gathered before a write, so small records don't cost one write each. */
const WRITE_CHUNK = 64 * 1024;

/** Resolves when `res` can take more, or has closed (a client that went away never drains). */
export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends `items` as a JSON array, or as the array under `key` of an object whose other fields are `head`.
 * A failure part-way destroys the response: the client sees a broken answer, never a clean but short one.
 */
export async function sendJsonArray(
  res: ServerResponse,
  items: Iterable<unknown>,
  wrap?: { head: Record<string, unknown>; key: string },
): Promise<void> {
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  let open = '[';
  let close = ']';
  if (wrap) {
    const head = JSON.stringify(wrap.head);
    open = `${head.slice(0, -1)}${head === '{}' ? '' : ','}${JSON.stringify(wrap.key)}:[`;
    close = ']}';
  }
  let pending = open;
  let first = true;
  for (const item of items) {
    pending += (first ? '' : ',') + JSON.stringify(item);
    first = false;
    if (pending.length >= WRITE_CHUNK) {
      if (res.destroyed) return;
      if (!res.write(pending)) await drained(res);
      pending = '';
    }
  }
  if (!res.destroyed) res.end(pending + close);
}
