/**
 * Sentry SDKs compress large envelopes (gzip above 32 KB for @sentry/node) and send no content-type, so the
 * router reads raw bytes and decompresses them with a cap on the decompressed size: a small gzip body can
 * expand to gigabytes. Both steps are the shared body reader's (otlp-body.ts); these are its Sentry names.
 */
import type { IncomingMessage } from 'node:http';
import { decodeContent, IngestHttpError, readWireBody } from './otlp-body';

export { IngestHttpError as BodyError };

export { decodeContent };

/** The raw request body as received (before decompression), refused with 413 as soon as it passes `limit`. */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return readWireBody(req, limit);
}
