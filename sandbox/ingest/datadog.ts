import express, { type Request, type Response } from 'express';
import { correlationOf } from '../correlation';
import type { ErrorRecord, IngestBatch, IngestSink, SpanKind, SpanRecord } from '../model';
import { DdDecodeError, type DdSpan, decodeV04, decodeV05 } from './datadog-decode';
import { DEFAULT_BODY_LIMIT, IngestHttpError, readRawBody } from './body';
import { drain, reply } from './drop-ack-io';
import { defineIngestModule } from './module';
import { parseStackTrace } from './otlp-stack';

/** Options for the Datadog agent emulation. */
export interface DatadogRouterOptions {
  /** Largest accepted body in bytes. Default 16 MiB (the agent's own default is 25 MB for traces). */
  bodyLimit?: number;
}

/** v0.3 and v0.4 are msgpack or JSON by Content-Type; v0.5 is msgpack only, as in the agent. */
const TRACE_ROUTES: Record<string, (body: Uint8Array, contentType?: string) => DdSpan[]> = {
  '/v0.3/traces': decodeV04,
  '/v0.4/traces': decodeV04,
  '/v0.5/traces': decodeV05,
};

/**
 * Routes a tracer may call besides traces: telemetry, remote config, DogStatsD over HTTP, the EVP proxy
 * (CI visibility, LLM obs), profiling, client stats, data streams, debugger, tracer flares. They get a quiet 2xx
 * so the tracer doesn't log failures; their bodies are counted as payloads (they are wire cost) but not decoded.
 */
const QUIET_PREFIXES = [
  '/telemetry/proxy/',
  '/v0.7/config',
  '/dogstatsd/',
  '/evp_proxy/',
  '/profiling/',
  '/v0.6/stats',
  '/v0.1/pipeline_stats',
  '/debugger/',
  '/tracer_flare/',
];

/** `GET /info`: what this "agent" supports. dd-trace reads `endpoints` to pick the trace/stats/EVP routes. */
const AGENT_INFO = {
  version: 'bakeoff-sandbox',
  endpoints: [
    '/v0.3/traces',
    '/v0.4/traces',
    '/v0.5/traces',
    '/v0.6/stats',
    '/v0.1/pipeline_stats',
    '/v0.7/config',
    '/telemetry/proxy/',
    '/dogstatsd/v2/proxy',
    '/evp_proxy/v2/',
    '/evp_proxy/v4/',
    '/profiling/v1/input',
    '/debugger/v1/input',
    '/debugger/v1/diagnostics',
    '/tracer_flare/v1',
  ],
  client_drop_p0s: false,
  span_meta_structs: false,
  feature_flags: [],
  config: { statsd_port: 0, receiver_port: 8126 },
};

/**
 * Datadog trace agent API on :8126 (https://docs.datadoghq.com/tracing/guide/send_traces_to_agent_by_api/):
 * msgpack traces on PUT/POST /v0.4 and /v0.5 (and JSON on /v0.3 and /v0.4), plus the side routes dd-trace calls.
 */
export function datadogRouter(sink: IngestSink, options: DatadogRouterOptions = {}): express.Router {
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const router = express.Router();

  for (const [path, decode] of Object.entries(TRACE_ROUTES)) {
    router.all(path, async (req: Request, res: Response) => {
      if (req.method !== 'PUT' && req.method !== 'POST') {
        res.status(405).json({ error: `${req.method} not allowed on ${path}: use PUT or POST` });
        return;
      }
      try {
        const { wireBytes, body } = await readRawBody(req, limit);
        const batch = spansToBatch(body.length === 0 ? [] : decode(body, req.headers['content-type']));
        sink.accept(
          'datadog',
          { route: path, bytes: wireBytes, contentType: req.headers['content-type'] ?? null },
          batch,
        );
        res.status(200).json({ rate_by_service: {} });
      } catch (err) {
        const status = err instanceof IngestHttpError ? err.status : err instanceof DdDecodeError ? 400 : 500;
        res.status(status).json({ error: `${path}: ${(err as Error).message}` });
      }
    });
  }

  router.get('/info', (_req, res) => {
    res.json(AGENT_INFO);
  });

  router.use(async (req: Request, res: Response, next) => {
    if (!QUIET_PREFIXES.some((prefix) => req.path.startsWith(prefix))) {
      next();
      return;
    }
    try {
      const { wireBytes } = await readRawBody(req, limit);
      if (wireBytes > 0) {
        sink.accept(
          'datadog',
          { route: req.path, bytes: wireBytes, contentType: req.headers['content-type'] ?? null },
          { spans: [], errors: [], logs: [] },
        );
      }
      // Remote config with nothing to apply is an empty JSON object; everything else just wants a 2xx.
      res.status(req.path.startsWith('/telemetry/') ? 202 : 200).json({});
    } catch (err) {
      res.status(err instanceof IngestHttpError ? err.status : 400).json({ error: (err as Error).message });
    }
  });
  return router;
}

/** Drop-ack `/info`: only the routes the drop-ack answer serves, so dd-trace sends nothing else. */
const DROP_ACK_INFO = JSON.stringify({
  ...AGENT_INFO,
  version: 'bakeoff-drop-ack',
  endpoints: ['/v0.4/traces', '/v0.5/traces', '/v0.7/config', '/telemetry/proxy/'],
  config: { statsd_port: 0 },
});

/** The Datadog trace agent on a port of its own (8126, where dd-trace looks by default). */
export const datadogIngest = defineIngestModule({
  vendors: ['datadog'],
  ownPort: {
    key: 'datadog',
    kind: 'http',
    defaultPort: 8126,
    label: 'Datadog agent listener',
    help: 'Datadog trace agent API',
    routes: (ctx) => datadogRouter(ctx.sink),
    // Traces get `{"rate_by_service":{}}`, `/info` lists the endpoints, the rest a quiet 2xx.
    dropAck: (count) => (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      void drain(req).then(({ bytes }) => {
        if (path === '/info') {
          reply(res, 200, DROP_ACK_INFO);
          return;
        }
        count('datadog', bytes);
        if (/^\/v0\.[345]\/traces$/.test(path)) reply(res, 200, JSON.stringify({ rate_by_service: {} }));
        else reply(res, path.startsWith('/telemetry/') ? 202 : 200, '{}');
      });
    },
  },
  banner: ({ own }) => [['Datadog agent', `${own}`]],
});

const KINDS = new Set<SpanKind>(['server', 'client', 'internal', 'producer', 'consumer']);
const NANOS_PER_MS = 1_000_000n;

export function spansToBatch(spans: DdSpan[]): IngestBatch {
  const batch: IngestBatch = { spans: [], errors: [], logs: [] };
  const records = spans.map(spanRecord);
  batch.spans.push(...records);
  // dd-trace tags every Express middleware span an error passes through. Each tagged span is kept as a native
  // record; sandbox/error-occurrences.ts counts them as one occurrence, shown from the service-entry span (as
  // Datadog's Error Tracking does).
  records.forEach((record, i) => {
    const error = errorRecord(spans[i], record);
    if (error) batch.errors.push(error);
  });
  return batch;
}

function spanRecord(span: DdSpan): SpanRecord {
  const kind = span.meta['span.kind'] as SpanKind;
  const startMs = Number(span.startNs / NANOS_PER_MS) + Number(span.startNs % NANOS_PER_MS) / 1e6;
  const record: SpanRecord = {
    vendor: 'datadog',
    traceId: span.traceId,
    spanId: span.spanId,
    parentId: span.parentId === '0' ? null : span.parentId,
    name: span.name,
    service: span.service || 'unknown',
    kind: KINDS.has(kind) ? kind : 'internal',
    startMs,
    durationMs: Number(span.durationNs) / 1e6,
    // Object.assign, not spread: spread of these tag bags measured ~10x slower on dd-trace payloads.
    attributes: Object.assign({}, span.meta, span.metrics, {
      'resource.name': span.resource,
      'span.type': span.type,
    }),
    native: { meta: span.meta, metrics: span.metrics },
    status: span.error ? 'error' : 'unset',
  };
  const message = span.meta['error.message'] ?? span.meta['error.msg'];
  if (span.error && message) record.statusMessage = message;
  return record;
}

/** dd-trace records a caught error as `error.type` / `error.message` / `error.stack` tags on the span. */
function errorRecord(span: DdSpan, record: SpanRecord): ErrorRecord | null {
  const { meta } = span;
  const message = meta['error.message'] ?? meta['error.msg'];
  if (meta['error.type'] === undefined && message === undefined && meta['error.stack'] === undefined)
    return null;
  const { runId, seq } = correlationOf(meta, span.metrics);
  return {
    vendor: 'datadog',
    type: meta['error.type'] ?? 'Error',
    message: message ?? '',
    frames: parseStackTrace(meta['error.stack']),
    level: 'error',
    timestamp: record.startMs + record.durationMs,
    traceId: record.traceId,
    spanId: record.spanId,
    runId,
    seq,
    attributes: Object.assign({}, record.attributes, {
      'span.name': span.name,
      'service.name': record.service,
    }),
    native: { meta: span.meta, metrics: span.metrics },
  };
}
