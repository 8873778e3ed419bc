/**
 * The OpenTelemetry Node SDK as every OTel-based adapter starts it (honeycomb, otlp, xray-otel): the
 * instrumentations this app needs, each told to skip vendor uploads, and batching. What differs per vendor —
 * the exporter, ids, propagation, resource detection, a log pipeline — comes in as options, so each adapter
 * reads like its vendor's setup guide.
 */
import type { TextMapPropagator } from '@opentelemetry/api';
import type { ResourceDetector } from '@opentelemetry/resources';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { ExportResultCode } from '@opentelemetry/core';
import type { IdGenerator, ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { withDeadline } from '../deadline';
import { batchOptionsFromEnv } from './batch-env';
import { type VendorEgress, VENDOR_AWS_SERVICES } from '../egress';

export interface OtelSdkOptions {
  /** `service.name` of every span. */
  serviceName: string;
  /** The run's release (`BAKEOFF_RELEASE`) as resource attribute `service.version`; unset → none. */
  serviceVersion?: string;
  /** Endpoints not to trace (adapters/egress.ts): the exporters' own, and every other adapter's. */
  egress: VendorEgress;
  spanExporter: SpanExporter;
  /** Set → an OTel log pipeline too (`logs.getLogger()` then reaches this exporter). */
  logExporter?: LogRecordExporter;
  /** Default: W3C random ids. */
  idGenerator?: IdGenerator;
  /** Default: W3C `traceparent` + baggage. */
  propagator?: TextMapPropagator;
  /** Default: the SDK's own (`OTEL_RESOURCE_ATTRIBUTES`, host, process). */
  resourceDetectors?: ResourceDetector[];
}

export interface OtelSdk {
  flush(timeoutMs: number): Promise<void>;
  shutdown(timeoutMs: number): Promise<void>;
}

/**
 * Starts the SDK. Call from the adapter's `start()`: the instrumentations hook `require`, so they must be in place
 * before the app requires express, http clients or pg (cli/serve.ts starts adapters first).
 */
export async function startOtelSdk(options: OtelSdkOptions): Promise<OtelSdk> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { defaultResource, resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } = await import('@opentelemetry/instrumentation-express');
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
  const { AwsInstrumentation } = await import('@opentelemetry/instrumentation-aws-sdk');
  const { egress } = options;

  // Batching is what production uses; OTEL_BSP_SCHEDULE_DELAY (default 5000 ms) and the other OTEL_BSP_*
  // variables apply (batch-env.ts). The queue is bounded (OTEL_BSP_MAX_QUEUE_SIZE, 2048): an outage drops spans,
  // it never grows memory.
  const spans = new BatchSpanProcessor({
    exporter: withoutVendorAwsCalls(options.spanExporter),
    ...batchOptionsFromEnv('OTEL_BSP'),
  });
  const logs = options.logExporter ? await batchLogs(options.logExporter) : undefined;

  const sdk: NodeSDK = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: [spans],
    // No metric reader (the SDK would otherwise post /v1/metrics every minute); logs only when asked for.
    metricReaders: [],
    logRecordProcessors: logs ? [logs] : [],
    // Detected attributes (`OTEL_RESOURCE_ATTRIBUTES` included) are merged over this one.
    ...(options.serviceVersion
      ? {
          resource: defaultResource().merge(
            resourceFromAttributes({ 'service.version': options.serviceVersion }),
          ),
        }
      : {}),
    ...(options.idGenerator ? { idGenerator: options.idGenerator } : {}),
    ...(options.propagator ? { textMapPropagator: options.propagator } : {}),
    ...(options.resourceDetectors ? { resourceDetectors: options.resourceDetectors } : {}),
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
      // AWS SDK v3 calls become spans named by service and operation (`bakeoff-notifications send`, PRODUCER;
      // `… receive`, CONSUMER with a link per received message); SendMessage carries the context in the
      // message attributes (`traceparent`). The http span under each call would only repeat it.
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
    ],
  });
  sdk.start();

  return {
    async flush(timeoutMs) {
      await withDeadline(Promise.all([spans.forceFlush(), logs?.forceFlush()]), timeoutMs);
    },
    // sdk.shutdown() flushes the batches and stops the exporters; the deadline keeps a hanging endpoint from
    // holding the process (each export is also capped by the exporter timeout).
    shutdown: (timeoutMs) => withDeadline(sdk.shutdown(), timeoutMs),
  };
}

async function batchLogs(exporter: LogRecordExporter) {
  const { BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  // Same bounds as spans (OTEL_BLRP_*, default every 1000 ms): a bounded queue, batched posts.
  return new BatchLogRecordProcessor({ exporter, ...batchOptionsFromEnv('OTEL_BLRP') });
}

/**
 * The AWS SDK instrumentation sees every AWS call in the process, the cloudwatch adapter's log uploads too (the
 * same way Sentry's Aws integration does, adapters/sentry.ts). Those are a vendor's uploads, not the app's calls
 * (adapters/egress.ts), so their spans are dropped before export.
 */
function withoutVendorAwsCalls(exporter: SpanExporter): SpanExporter {
  const vendorServices: readonly unknown[] = VENDOR_AWS_SERVICES;
  const isVendorCall = (span: ReadableSpan) => vendorServices.includes(span.attributes['rpc.service']);
  return {
    export(spans, done) {
      const kept = spans.filter((span) => !isVendorCall(span));
      if (kept.length === 0) done({ code: ExportResultCode.SUCCESS });
      else exporter.export(kept, done);
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
