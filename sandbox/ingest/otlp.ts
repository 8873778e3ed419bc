import type http from 'node:http';
import express, { type Request, type Response } from 'express';
import type { IngestBatch, IngestSink, SandboxVendor } from '../model';
import { DEFAULT_BODY_LIMIT, IngestHttpError, readRawBody } from './body';
import { drain, reply } from './drop-ack-io';
import { type Count, defineIngestModule } from './module';
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
        const vendor = vendorOf(req);
        const decoded = decode(body, encoding, vendor);
        const batch = vendor === 'xray-otel' ? toXrayTraceIds(decoded) : decoded;
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

/**
 * Who sent it, from the headers' presence and shape, never a secret's value: Honeycomb is OTLP plus a key header;
 * X-Ray's OTLP endpoint takes OTLP signed with SigV4 for the `xray` service (the credential scope names it).
 */
function vendorOf(req: http.IncomingMessage): SandboxVendor {
  if (req.headers['x-honeycomb-team'] !== undefined) return 'honeycomb';
  if (XRAY_SIGV4_SCOPE.test(req.headers.authorization ?? '')) return 'xray-otel';
  return 'otlp';
}

/** `AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/xray/aws4_request, …`. */
const XRAY_SIGV4_SCOPE = /^AWS4-HMAC-SHA256\s+Credential=[^/,\s]+\/\d{8}\/[^/,\s]+\/xray\/aws4_request\b/;

/**
 * X-Ray shows every trace id in its own spelling, `1-<8 hex: epoch seconds>-<24 hex>`, OTLP ones included; so
 * does the sandbox, so an `xray-otel` trace and the X-Ray SDK segments that continue it share one id.
 */
function toXrayTraceIds(batch: IngestBatch): IngestBatch {
  const xray = (id: string) => (/^[0-9a-f]{32}$/.test(id) ? `1-${id.slice(0, 8)}-${id.slice(8)}` : id);
  for (const span of batch.spans) {
    span.traceId = xray(span.traceId);
    for (const link of span.links ?? []) link.traceId = xray(link.traceId);
  }
  for (const error of batch.errors) if (error.traceId) error.traceId = xray(error.traceId);
  for (const log of batch.logs) if (log.traceId) log.traceId = xray(log.traceId);
  return batch;
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

const isExport = (req: http.IncomingMessage, path: string) =>
  req.method === 'POST' && path.startsWith('/v1/');

/** Drop-ack: an empty 200 in the encoding the exporter used (an empty Export*ServiceResponse). */
function answerExport(req: http.IncomingMessage, res: http.ServerResponse, count: Count): void {
  void drain(req).then(({ bytes }) => {
    count(vendorOf(req), bytes);
    if ((req.headers['content-type'] ?? '').includes('json')) reply(res, 200, '{}');
    else reply(res, 200, Buffer.alloc(0), 'application/x-protobuf');
  });
}

/** OTLP/HTTP on the main port (what `BAKEOFF_SANDBOX` points at) and on 4318, the OpenTelemetry default. */
export const otlpIngest = defineIngestModule({
  vendors: ['honeycomb', 'otlp', 'xray-otel'],
  mainPort: {
    routes: (ctx) => otlpRouter(ctx.sink),
    dropAck: (count) => ({ claims: isExport, answer: (req, res) => answerExport(req, res, count) }),
  },
  ownPort: {
    key: 'otlp',
    kind: 'http',
    defaultPort: 4318,
    label: 'OTLP/HTTP listener',
    help: 'OTLP/HTTP ingest',
    routes: (ctx) => otlpRouter(ctx.sink),
    dropAck: (count) => (req, res) => {
      if (isExport(req, (req.url ?? '/').split('?')[0])) answerExport(req, res, count);
      else reply(res, 404, '{"message":"OTLP/HTTP serves POST /v1/traces, /v1/logs, /v1/metrics"}');
    },
  },
  banner: ({ url, own }) => [['OTLP/HTTP', `${own}  (also ${url}/v1/traces)`]],
});
