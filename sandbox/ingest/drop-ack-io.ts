/**
 * The two moves of every drop-and-ack answer (sandbox/drop-ack.ts): read a body only to count it, and reply
 * with a fixed body. Plain node:http, no Express, so the bench sandbox stays cheap under load.
 */
import type http from 'node:http';

/**
 * Reads and discards the body, resolving with its size on the wire (compressed, if it was) and its first
 * chunk (a Sentry envelope's header line is echoed back from it).
 */
export function drain(req: http.IncomingMessage): Promise<{ bytes: number; head: Buffer | null }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let head: Buffer | null = null;
    req.on('data', (chunk: Buffer) => {
      head ??= chunk;
      bytes += chunk.length;
    });
    req.on('end', () => resolve({ bytes, head }));
    req.on('error', () => resolve({ bytes, head }));
  });
}

export function reply(
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'application/json',
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
