/**
 * bakeoff's facade (spans, annotations, metadata, errors, trace ids) on the OpenTelemetry API, shared by every
 * OTel-based adapter: annotations and metadata become span attributes, errors an `exception` event on the
 * request's root span.
 */
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type Attributes as OtelAttributes,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import type { RequestHandler } from 'express';
import type { Adapter } from '../types';

/** The request's root (HTTP server) span, kept in the OTel context by `requestHandler()`. */
const ROOT_SPAN = createContextKey('bakeoff.otel.root_span');

/** OTel attributes are primitives (or arrays of them); objects become JSON, the way OTel backends show nested data. */
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

export type OtelFacade = Required<
  Pick<
    Adapter,
    | 'requestHandler'
    | 'withSpan'
    | 'annotate'
    | 'metadata'
    | 'captureError'
    | 'traceContext'
    | 'consumeMessage'
  >
>;

export function otelFacade(): OtelFacade {
  const tracer = trace.getTracer('bakeoff');
  return {
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
          // failure is one error in the vendor's (and the sandbox's) error counts.
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

    consumeMessage(carrier, message, fn) {
      // The AWS SDK instrumentation injected the producer's context into the message attributes (`traceparent`,
      // or `X-Amzn-Trace-Id` under the X-Ray propagator); the consumer span continues it (one trace from the
      // request to the worker) and links it, as the messaging conventions' "process" span does.
      const producer = propagation.extract(ROOT_CONTEXT, carrier);
      const producerSpan = trace.getSpanContext(producer);
      const links = producerSpan
        ? [{ context: producerSpan, attributes: { 'messaging.message.id': message.messageId } }]
        : [];
      const attributes = {
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.queue,
        'messaging.message.id': message.messageId,
        'messaging.message.delivery_count': message.receiveCount,
      };
      return tracer.startActiveSpan(
        `${message.queue} process`,
        { kind: SpanKind.CONSUMER, attributes, links },
        producer,
        (span) =>
          startWork(fn).then(
            (value) => {
              span.end();
              return value;
            },
            (error: unknown) => {
              const err = error instanceof Error ? error : new Error(String(error));
              span.setAttribute('error.type', err.name);
              span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
              span.end();
              throw error;
            },
          ),
      );
    },

    traceContext() {
      const spanContext = trace.getActiveSpan()?.spanContext();
      if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
      return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
    },
  };
}

/** Calls `fn` now; a synchronous throw becomes a rejection, so one handler ends the span either way. */
function startWork<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}
