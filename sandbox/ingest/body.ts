/**
 * The sandbox's one request-body reader, shared by every HTTP ingest module (sandbox/ingest/module.ts) and
 * `/api/import`'s size check; its one error type, IngestHttpError, carries the HTTP status to answer. It reads raw bytes itself rather than with express.raw,
 * because the wire size matters to the compare report (body-parser only exposes the inflated size, and OTel's
 * gzip export is chunked, so there's no Content-Length), and because body-parser reads a too-large body to its
 * end before answering 413, which lets a client that declares 50 MB and never sends it hold a socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type express from 'express';

/** A request body as it crossed the wire and after Content-Encoding was undone. */
export interface RawBody {
  /** Bytes as received: what the payload cost on the wire (compressed, if it was). */
  wireBytes: number;
  body: Buffer;
}

/** An ingest failure that maps to an HTTP status (400 bad payload, 413 too large, 415 unsupported). */
export class IngestHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Default body limit for ingest routes, before and after decompression (a gzip bomb is refused too). */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * A 413 is answered at once and the connection closed after the answer: the rest of the body is never read,
 * so a client that declared more than it sends cannot hold the socket. Express links `req.res`.
 */
function tooLarge(req: IncomingMessage, message: string): IngestHttpError {
  const res = (req as IncomingMessage & { res?: ServerResponse }).res;
  if (res && !res.headersSent) res.setHeader('connection', 'close');
  return new IngestHttpError(413, message);
}

/** Refuses a body whose declared Content-Length is over `limit`, before reading any of it. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw tooLarge(req, `body of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
}

/** The raw bytes of a request, refused with 413 as soon as they pass `limit`. */
export async function readWireBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  checkDeclaredLength(req, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Not `for await (… of req)`: leaving that loop early destroys the socket, and the 413 with it.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge(req, `body exceeds the ${limit}-byte limit`);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof IngestHttpError) throw err;
    throw new IngestHttpError(400, `could not read the body: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The request body as it arrives, Content-Encoding undone on the fly, for readers that stream (`/api/import`).
 * The caller may stop early and still answer: the socket is not destroyed (`for await (… of req)` would).
 */
export function bodyChunks(req: IncomingMessage): AsyncIterable<Buffer> {
  const enc = String(req.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (enc === '' || enc === 'identity') return req.iterator({ destroyOnReturn: false });
  const inflate =
    enc === 'gzip' || enc === 'x-gzip'
      ? zlib.createGunzip()
      : enc === 'deflate'
        ? zlib.createInflate()
        : enc === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (!inflate) throw new IngestHttpError(415, `unsupported Content-Encoding '${enc}'`);
  // Not pipeline(): it would destroy the request, and the 400 with it, when the body turns out not to be gzip.
  req.on('error', (err) => inflate.destroy(err));
  req.pipe(inflate);
  return (async function* decoded() {
    try {
      for await (const chunk of inflate) yield chunk as Buffer;
    } catch (err) {
      throw new IngestHttpError(400, `cannot decode ${enc} body: ${(err as Error).message}`);
    }
  })();
}

/**
 * Reads a request body and undoes its Content-Encoding. `limit` bounds the bytes on the wire, and
 * `decompressedLimit` what they may inflate to.
 */
export async function readRawBody(
  req: IncomingMessage,
  limit = DEFAULT_BODY_LIMIT,
  decompressedLimit = limit,
): Promise<RawBody> {
  const wire = await readWireBody(req, limit);
  const encoding = req.headers['content-encoding'];
  return { wireBytes: wire.length, body: decodeContent(wire, encoding, decompressedLimit) };
}

/** Undoes a Content-Encoding (gzip, deflate, br, identity), to at most `limit` bytes. */
export function decodeContent(wire: Buffer, encoding: string | undefined, limit: number): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return wire;
  const opts = { maxOutputLength: limit };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(wire, opts);
    if (enc === 'deflate') return inflateEither(wire, limit);
    if (enc === 'br') return zlib.brotliDecompressSync(wire, opts);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new IngestHttpError(413, `decompressed body exceeds ${limit} bytes`);
    throw new IngestHttpError(400, `cannot decode ${enc} body: ${(err as Error).message}`);
  }
  throw new IngestHttpError(415, `unsupported Content-Encoding '${encoding}'`);
}

/** HTTP "deflate" is meant to be zlib-wrapped, but some clients send raw deflate; accept both. */
function inflateEither(wire: Buffer, limit: number): Buffer {
  try {
    return zlib.inflateSync(wire, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return zlib.inflateRawSync(wire, { maxOutputLength: limit });
  }
}

/**
 * Middleware in place of `express.raw`: `req.body` becomes the decoded bytes, and a failure goes to the
 * router's error handler as an error with `status` (413 at once for a declared or actual body over `limit`).
 */
export function rawBodyParser(limit: number): express.RequestHandler {
  return (req, _res, next) => {
    readRawBody(req, limit).then(({ body }) => {
      req.body = body;
      next();
    }, next);
  };
}
