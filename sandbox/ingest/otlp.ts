import express, { type Request, type Response } from 'express';
import type { IngestBatch, IngestSink, SandboxVendor } from '../model';
import { DEFAULT_BODY_LIMIT, IngestHttpError, readRawBody } from './otlp-body';
import { logsToBatch, tracesToBatch } from './otlp-map';
import { decodeLogsRequest, decodeTraceRequest } from './otlp-proto';

/** Options for the OTLP/HTTP receiver. */
export interface OtlpRouterOptions {
  /** Largest accepted body, compressed or not, in bytes. Default 16 MiB (the collector's default is 20). */
  bodyLimit?: number;
}

type Encoding = 'protobuf' | 'json';

/**
 * OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/traces, /v1/logs and
 * /v1/metrics, binary protobuf or JSON, gzip/deflate. Honeycomb is OTLP plus an `x-honeycomb-team` key header,
 * so the header's presence (never its value) decides the vendor.
 */
export function otlpRouter(sink: IngestSink, options: OtlpRouterOptions = {}): express.Router {
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const router = express.Router();

  const route =
    (path: string, decode: (body: Buffer, encoding: Encoding, vendor: SandboxVendor) => IngestBatch) =>
    async (req: Request, res: Response): Promise<void> => {
      let encoding: Encoding = 'protobuf';
      try {
        encoding = encodingOf(req.headers['content-type']);
        const { wireBytes, body } = await readRawBody(req, limit);
        const vendor: SandboxVendor = req.headers['x-honeycomb-team'] !== undefined ? 'honeycomb' : 'otlp';
        const batch = decode(body, encoding, vendor);
        sink.accept(
          vendor,
          { route: path, bytes: wireBytes, contentType: req.headers['content-type'] ?? null },
          batch,
        );
        // An empty Export*ServiceResponse: zero bytes in protobuf, `{}` in JSON.
        if (encoding === 'json') res.status(200).type('application/json').send('{}');
        else res.status(200).type('application/x-protobuf').send(Buffer.alloc(0));
      } catch (err) {
        const status = err instanceof IngestHttpError ? err.status : 400;
        const message = err instanceof Error ? err.message : String(err);
        // OTLP/HTTP errors carry a google.rpc.Status; for JSON clients that is {code, message}. The protobuf
        // client only reads the HTTP status, so plain text keeps it readable with curl.
        if (encoding === 'json') res.status(status).json({ code: 3, message: `${path}: ${message}` });
        else res.status(status).type('text/plain').send(`${path}: ${message}`);
      }
    };

  router.post(
    '/v1/traces',
    route('/v1/traces', (body, encoding, vendor) =>
      tracesToBatch(parse(body, encoding, decodeTraceRequest), vendor),
    ),
  );
  router.post(
    '/v1/logs',
    route('/v1/logs', (body, encoding, vendor) =>
      logsToBatch(parse(body, encoding, decodeLogsRequest), vendor),
    ),
  );
  // Metrics are counted as payloads (they are part of what the SDK costs on the wire) but not decoded.
  router.post(
    '/v1/metrics',
    route('/v1/metrics', () => ({ spans: [], errors: [], logs: [] })),
  );
  return router;
}

function encodingOf(contentType: string | undefined): Encoding {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new IngestHttpError(
    415,
    `unsupported Content-Type '${contentType ?? ''}': use application/x-protobuf or application/json`,
  );
}

function parse<T>(body: Buffer, encoding: Encoding, decodeProtobuf: (b: Uint8Array) => T): T {
  if (encoding === 'protobuf') {
    try {
      return decodeProtobuf(body);
    } catch (err) {
      throw new IngestHttpError(400, `malformed protobuf: ${(err as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new IngestHttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IngestHttpError(400, 'OTLP/JSON body must be an object');
  }
  return value as T;
}
