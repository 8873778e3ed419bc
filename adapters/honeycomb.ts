/**
 * Honeycomb through the upstream OpenTelemetry Node SDK: traces over OTLP/HTTP (protobuf), the way Honeycomb
 * documents it today (https://docs.honeycomb.io/send-data/javascript-nodejs/opentelemetry-sdk/).
 *
 * The Honeycomb OpenTelemetry distro (`@honeycombio/opentelemetry-node`) is archived, pins OpenTelemetry 1.x
 * and does not instrument Express 5, so it is deliberately not used: the distro only preset an endpoint and a
 * header, which this file does in plain sight.
 *
 * What you get per request: the HTTP server span (the root), Express's `request handler` span, the app's own
 * spans (handler, `db.query`, `chaos.latency`, `users.lookup`), an undici client
 * span for the `fetch` to the users service (its `traceparent` header joins the users service's spans to the
 * same trace) and, with PostgreSQL, a `pg` span per query.
 */
import {
  context,
  createContextKey,
  type Attributes as OtelAttributes,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { ExportResultCode, getRPCMetadata } from '@opentelemetry/core';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { RequestHandler } from 'express';
import { withDeadline } from './deadline';
import { egressOf } from './egress';
import type { Adapter, AdapterFactory, AdapterOptions, Destination } from './types';

/** Honeycomb's US ingest; EU teams set `HONEYCOMB_API_ENDPOINT=https://api.eu1.honeycomb.io`. */
export const HONEYCOMB_US_ENDPOINT = 'https://api.honeycomb.io';

/**
 * Upper bound for one export, retries included. The OTLP exporter's default is 10 s, and against a dead
 * endpoint its retries (1 s, 1.5 s, 2.25 s, …) stretch `shutdown()` to ~9 s; 5 s keeps a stuck export from
 * outliving a graceful shutdown. `OTEL_EXPORTER_OTLP_TIMEOUT` overrides it.
 */
export const DEFAULT_EXPORT_TIMEOUT_MS = 5000;

/** The request's root (HTTP server) span, kept in the OTel context by `requestHandler()`. */
const ROOT_SPAN = createContextKey('bakeoff.honeycomb.root_span');

interface HoneycombExport {
  /** Full OTLP traces URL. */
  url: string;
  /** `x-honeycomb-team`: the API key, or `sandbox` (the sandbox files it as vendor `honeycomb`, never stores it). */
  team: string;
  destination: Destination;
}

/**
 * Real Honeycomb when `HONEYCOMB_API_KEY` is set (`HONEYCOMB_API_ENDPOINT` picks the region), else the sandbox.
 * The printable destination never includes the key.
 */
export function resolveHoneycombExport(options: AdapterOptions): HoneycombExport {
  const key = options.env.HONEYCOMB_API_KEY;
  if (key) {
    const base = (options.env.HONEYCOMB_API_ENDPOINT || HONEYCOMB_US_ENDPOINT).replace(/\/+$/, '');
    const url = `${base}/v1/traces`;
    return { url, team: key, destination: { kind: 'vendor', endpoint: url } };
  }
  const url = `${options.sandboxUrl}/v1/traces`;
  return { url, team: 'sandbox', destination: { kind: 'sandbox', endpoint: url } };
}

function exportTimeoutMs(env: AdapterOptions['env']): number {
  const fromEnv = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_EXPORT_TIMEOUT_MS;
}

/** OTel attributes are primitives (or arrays of them); objects become JSON, the way Honeycomb shows nested data. */
function attributeValue(value: unknown): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The innermost active span, if it is still open (ended spans silently drop new data). */
function activeSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** The request's root span: the one `requestHandler()` captured, else the HTTP instrumentation's own record. */
function rootSpan(): Span | undefined {
  const ctx = context.active();
  const span = (ctx.getValue(ROOT_SPAN) as Span | undefined) ?? getRPCMetadata(ctx)?.span;
  return span?.isRecording() ? span : undefined;
}

/**
 * The SDK reports export failures only through `diag`, which is silent unless configured: say once on stderr
 * that spans are not arriving (never the key: the OTLP error carries the status or the socket error only).
 */
function reportFirstFailure(exporter: SpanExporter): SpanExporter {
  let reported = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && !reported) {
          reported = true;
          const reason = result.error?.message ?? 'unknown error';
          process.stderr.write(`[bakeoff] honeycomb: span export failed (reported once): ${reason}\n`);
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

export const createHoneycombAdapter: AdapterFactory = (options) => {
  const target = resolveHoneycombExport(options);
  const egress = egressOf(options);
  const tracer = trace.getTracer('bakeoff');
  let sdk: NodeSDK | undefined;
  let flushSpans: (() => Promise<void>) | undefined;

  const adapter: Adapter = {
    name: 'honeycomb',
    destination: target.destination,

    async start() {
      // Loaded here, not at the top: the instrumentations hook `require`, so they must be in place before the
      // app requires express, http clients or pg (cli/serve.ts starts adapters first).
      const { NodeSDK } = await import('@opentelemetry/sdk-node');
      const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
      const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
      const { ExpressInstrumentation, ExpressLayerType } =
        await import('@opentelemetry/instrumentation-express');
      const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
      const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');

      const exporter = new OTLPTraceExporter({
        url: target.url,
        headers: { 'x-honeycomb-team': target.team },
        timeoutMillis: exportTimeoutMs(options.env),
      });
      // Batching is what production uses; OTEL_BSP_SCHEDULE_DELAY (default 5000 ms) and the other OTEL_BSP_*
      // variables still apply. The queue is bounded (OTEL_BSP_MAX_QUEUE_SIZE, 2048): an outage drops spans,
      // it never grows memory.
      const processor = new BatchSpanProcessor({ exporter: reportFirstFailure(exporter) });
      flushSpans = () => processor.forceFlush();

      sdk = new NodeSDK({
        serviceName: options.serviceName,
        spanProcessors: [processor],
        // Traces only: no metric reader (the SDK would otherwise post /v1/metrics every minute) and no log
        // pipeline (the app's logs go to the log adapters).
        metricReaders: [],
        logRecordProcessors: [],
        instrumentations: [
          new HttpInstrumentation({
            // Background HTTP calls with no request around them are not part of any user's request; without a
            // parent they would each become a one-span trace.
            requireParentforOutgoingSpans: true,
            // Vendor uploads (this exporter's run with tracing suppressed, the other SDKs' do not) often do have
            // a parent: the request whose context armed their timer. They are never the app's own calls.
            ignoreOutgoingRequestHook: (request) => egress.includesRequest(request),
          }),
          new ExpressInstrumentation({
            // Express 5 emits a span for every middleware and every router a request passes through, matched
            // or not (9 per service per request here), and records a forwarded error once more on the layer
            // that passed it on. The request handler span (with `http.route`) is the one worth keeping; drop
            // this option to see them all.
            ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
          }),
          // Global `fetch` runs on undici, which the http instrumentation does not see.
          new UndiciInstrumentation({
            ignoreRequestHook: (request) => egress.includesUrl(`${request.origin}${request.path}`),
          }),
          new PgInstrumentation(),
        ],
      });
      sdk.start();
    },

    requestHandler(): RequestHandler {
      // Runs inside the HTTP server span the http instrumentation opened: remember it so `scope: 'root'`
      // reaches it from any depth, even where an Express layer span is the active one.
      return (_req, _res, next) => {
        const root = getRPCMetadata(context.active())?.span ?? trace.getActiveSpan();
        if (!root) {
          next();
          return;
        }
        context.with(context.active().setValue(ROOT_SPAN, root), next);
      };
    },

    withSpan(name, spanOptions, fn) {
      const kind = spanOptions.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL;
      // startActiveSpan runs `fn` synchronously with the new span active, so nested spans become children.
      return tracer.startActiveSpan(name, { kind, attributes: spanOptions.attributes }, (span) => {
        const failed = (error: unknown) => {
          const err = error instanceof Error ? error : new Error(String(error));
          // Status and type only: the exception event itself is recorded once, by captureError, so one
          // failure is one error in Honeycomb's (and the sandbox's) error counts.
          span.setAttribute('error.type', err.name);
          span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
          span.end();
          throw error;
        };
        let work: ReturnType<typeof fn>;
        try {
          work = fn();
        } catch (error) {
          return failed(error);
        }
        return work.then((value) => {
          span.end();
          return value;
        }, failed);
      });
    },

    annotate(key, value, scope) {
      const span = scope === 'root' ? (rootSpan() ?? activeSpan()) : activeSpan();
      span?.setAttribute(key, value);
    },

    metadata(key, value, scope) {
      const span = scope === 'root' ? (rootSpan() ?? activeSpan()) : activeSpan();
      span?.setAttribute(`metadata.${key}`, attributeValue(value));
    },

    captureError(error, errorContext) {
      // The facade adds every tracer's ids to the attributes; this span's own ids are already the span's.
      const {
        trace_id: _traceId,
        span_id: _spanId,
        ...attributes
      }: OtelAttributes = { ...errorContext.attributes };
      if (errorContext.handle) attributes['user.handle'] = errorContext.handle;
      const isError = errorContext.level !== 'warning';
      const active = activeSpan();
      const root = rootSpan();
      // The exception event goes on the root span: it is still open when the error handler runs (the
      // handler's own span has ended), and it carries bakeoff.run_id/seq for the search.
      const target = root ?? active;
      const exception = { name: error.name, message: error.message, stack: error.stack };
      const mark = (span: Span) => {
        span.setAttribute('error.type', error.name);
        // Expected 4xx faults (level `warning`) are recorded but do not turn the span red (OTel HTTP semantics).
        if (isError) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      };
      if (target) {
        target.setAttributes(attributes);
        target.recordException(exception);
        mark(target);
        if (active && active !== target) mark(active);
        return;
      }
      // No request around the error: a span of its own keeps it visible.
      tracer.startActiveSpan(`error ${error.name}`, { attributes }, (span) => {
        span.recordException(exception);
        mark(span);
        span.end();
      });
    },

    traceContext() {
      const spanContext = trace.getActiveSpan()?.spanContext();
      if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
      return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
    },

    async flush(timeoutMs) {
      if (flushSpans) await withDeadline(flushSpans(), timeoutMs);
    },

    async shutdown(timeoutMs) {
      // sdk.shutdown() flushes the batch and stops the instrumentations' exporters; the deadline keeps a
      // hanging endpoint from holding the process (each export is also capped by the exporter timeout).
      if (sdk) await withDeadline(sdk.shutdown(), timeoutMs);
    },
  };
  return adapter;
};

createHoneycombAdapter.egress = (options) => [resolveHoneycombExport(options).url];
