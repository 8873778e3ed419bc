import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';

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
 * Reads a request body without express.raw, because the wire size matters to the compare report and
 * body-parser only exposes the inflated size (OTel's gzip export is chunked, so there's no Content-Length).
 * Shared by the OTLP and Datadog decoders.
 */
export async function readRawBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<RawBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new IngestHttpError(413, `body of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new IngestHttpError(413, `body exceeds the ${limit}-byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  const wire = Buffer.concat(chunks, size);
  return { wireBytes: size, body: decompress(wire, String(req.headers['content-encoding'] ?? ''), limit) };
}

function decompress(wire: Buffer, encoding: string, limit: number): Buffer {
  const enc = encoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return wire;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(wire, { maxOutputLength: limit });
    if (enc === 'deflate') return inflateEither(wire, limit);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE')
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
