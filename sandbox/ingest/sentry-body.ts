import zlib from 'node:zlib';

/**
 * Sentry SDKs compress large envelopes (gzip above 32 KB for @sentry/node) and send no content-type, so the
 * router reads raw bytes and decompresses here, with a cap on the decompressed size: a small gzip body can
 * expand to gigabytes.
 */

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** Decompresses `body` per its Content-Encoding (gzip, deflate, br, identity), to at most `maxBytes`. */
export function decodeContent(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  const opts = { maxOutputLength: maxBytes };
  try {
    switch (enc) {
      case '':
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return zlib.gunzipSync(body, opts);
      case 'deflate':
        return zlib.inflateSync(body, opts);
      case 'br':
        return zlib.brotliDecompressSync(body, opts);
      default:
        throw new BodyError(415, `unsupported content-encoding: ${enc}`);
    }
  } catch (err) {
    if (err instanceof BodyError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new BodyError(400, `body is not valid ${enc}: ${(err as Error).message}`);
  }
}

/**
 * Collects the raw request body up to `limit` bytes as received (before decompression). Over the limit the rest
 * is drained and discarded so the 413 answer still reaches the client.
 */
export function readRawBody(
  req: NodeJS.ReadableStream & { headers: Record<string, unknown> },
  limit: number,
) {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new BodyError(413, `body exceeds ${limit} bytes`);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(new BodyError(400, `could not read body: ${err.message}`));
      failed = true;
    });
  });
}
