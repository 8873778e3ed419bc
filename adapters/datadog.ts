/**
 * Datadog APM, on the official tracer (`dd-trace` 6.x, Node ≥ 22).
 *
 * How it fits together:
 * - `tracer.init()` patches `http`, `express`, `fetch` and `pg` at require time, so it runs in `start()`, which
 *   `bakeoff serve` calls before the app (and express) is loaded. The SDK is only required inside `start()`.
 * - The tracer does not talk to Datadog directly: it sends msgpack traces to a local **Datadog Agent**
 *   (`:8126`), which forwards them with your API key. Without an agent configured, the sandbox plays the agent.
 * - The `http` plugin opens the request's root span (`web.request`, resource `GET /route`); the `fetch` plugin
 *   injects `x-datadog-*` (and `traceparent`) headers, so the users service continues the same trace.
 * - Annotations are span tags (indexed, searchable as facets); metadata goes under `metadata.<key>`.
 * - Errors are the span's `error` tag: Datadog's Error Tracking reads `error.type`/`error.message`/`error.stack`
 *   off the service's entry span, so `captureError` marks the root span as well as the active one.
 * - dd-trace flushes every `flushInterval` and on `beforeExit`, but **not on SIGTERM**: `flush()` forces the
 *   exporter to send now and waits for the agent's answer (bounded by the timeout).
 *
 * Docs: https://docs.datadoghq.com/tracing/trace_collection/automatic_instrumentation/dd_libraries/nodejs/
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { egressOf, VENDOR_AWS_SERVICES } from './egress';
import { sandboxPlaysAgent } from './sandbox-agents';
import type {
  Adapter,
  AdapterFactory,
  AdapterOptions,
  AttributeValue,
  Destination,
  ErrorContext,
} from './types';

type Tracer = typeof import('dd-trace').default;
type DdSpan = NonNullable<ReturnType<ReturnType<Tracer['scope']>['active']>>;

/** The Datadog Agent's default trace intake port. */
const AGENT_PORT = 8126;

export interface DatadogSettings {
  /**
   * Where traces go: `DD_TRACE_AGENT_URL`, else `http://DD_AGENT_HOST:DD_TRACE_AGENT_PORT` (port default 8126),
   * else the sandbox's agent on `<sandbox host>:8126`.
   * https://docs.datadoghq.com/tracing/trace_collection/library_config/nodejs/
   */
  agentUrl: string;
  destination: Destination;
  /** `DD_ENV`, default `bakeoff`: the environment facet every span carries. */
  env: string;
  /** The run's release (`BAKEOFF_RELEASE`) as Datadog's `version` facet, where DD_VERSION would put it. */
  version: string | undefined;
  /** Sandbox mode turns off the tracer's own telemetry and remote-config polling (the sandbox is no agent). */
  sandbox: boolean;
}

export function datadogSettings(options: AdapterOptions): DatadogSettings {
  const { env, sandboxUrl } = options;
  let agentUrl: string;
  if (env.DD_TRACE_AGENT_URL) agentUrl = env.DD_TRACE_AGENT_URL;
  else if (env.DD_AGENT_HOST)
    agentUrl = `http://${env.DD_AGENT_HOST}:${env.DD_TRACE_AGENT_PORT || AGENT_PORT}`;
  else agentUrl = `http://${new URL(sandboxUrl).hostname}:${AGENT_PORT}`;
  // An agent of your own (or an API key for one) means the data is going to Datadog: the agent forwards it.
  // Unless `serve --with-sandbox` plays the agent on that very address.
  const vendor = Boolean(env.DD_API_KEY || env.DD_AGENT_HOST) && !sandboxPlaysAgent(env, 'datadog', agentUrl);
  return {
    agentUrl: agentUrl.replace(/\/+$/, ''),
    destination: { kind: vendor ? 'vendor' : 'sandbox', endpoint: `Datadog Agent at ${agentUrl}` },
    env: env.DD_ENV || 'bakeoff',
    version: options.release,
    sandbox: !vendor,
  };
}

/** Tags hold strings or numbers (numbers become span metrics); structured metadata is kept as JSON text. */
function tagValue(value: unknown): string | number {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * The first span this process started in the span's trace: for a web request, the `web.request` /
 * `express.request` server span. dd-trace has no public accessor; the span context's trace record (which
 * dd-trace's own samplers read the same way) lists the trace's local spans in start order.
 */
function localRoot(span: DdSpan | undefined): DdSpan | undefined {
  const trace = (span?.context() as { _trace?: { started?: DdSpan[] } } | undefined)?._trace;
  return trace?.started?.[0] ?? span;
}

/** Resolves after `fn(done)` calls back or `timeoutMs` passes, whichever comes first. */
function callbackWithin(timeoutMs: number, fn: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      fn(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export const createDatadogAdapter: AdapterFactory = (options) => {
  const settings = datadogSettings(options);
  const egress = egressOf(options);
  let tracer: Tracer | undefined;
  /** The request's root (`web.request`) span, captured in requestHandler() for `scope: 'root'` calls. */
  const roots = new AsyncLocalStorage<DdSpan>();

  const active = (): DdSpan | undefined => tracer?.scope().active() ?? undefined;
  const spanFor = (scope: 'span' | 'root') => (scope === 'root' ? (roots.getStore() ?? active()) : active());

  const adapter: Adapter = {
    name: 'datadog',
    destination: settings.destination,

    start() {
      if (settings.sandbox) {
        // No tracer option exists for these two; the variables must be set before init reads its config.
        // A local stand-in has no telemetry intake or remote configuration; polling it would only add noise.
        process.env.DD_INSTRUMENTATION_TELEMETRY_ENABLED ??= 'false';
        process.env.DD_REMOTE_CONFIGURATION_ENABLED ??= 'false';
      }
      tracer = (require('dd-trace') as Tracer).init({
        service: options.serviceName,
        env: settings.env,
        version: settings.version,
        url: settings.agentUrl,
        // The app stamps trace ids on its log lines itself (traceContext), so no logger patching is needed.
        logInjection: false,
        // Runtime metrics go over DogStatsD (UDP :8125), which the comparison does not use.
        runtimeMetrics: false,
        startupLogs: false,
        // Every request is kept: the comparison counts spans per request, so nothing may be sampled away.
        sampleRate: 1,
        // Default plugins (http, express, fetch, pg, …) stay on: that is what a real install gets.
        plugins: true,
      });
      // Uploads to a vendor or the sandbox (the other SDKs' run inside whichever request armed their timer, see
      // adapters/egress.ts) are not the app's calls: no span, and no open child holding the request's trace.
      const blocklist = (url: string) => egress.includesUrl(url);
      tracer.use('http', { client: { blocklist } });
      tracer.use('fetch', { blocklist });
      tracer.use('undici', { blocklist });
      // AWS APIs only adapters call (CloudWatch Logs): the aws-sdk plugin names its per-service parts in lower case.
      tracer.use('aws-sdk', Object.fromEntries(VENDOR_AWS_SERVICES.map((id) => [id.toLowerCase(), false])));
    },

    requestHandler(): RequestHandler {
      // The http plugin has already opened the request span; what is active here is the express plugin's
      // span for this very middleware, so the root is looked up from it and kept for the whole request.
      return (_req, _res, next) => {
        const root = localRoot(active());
        if (root) roots.run(root, next);
        else next();
      };
    },

    withSpan(name, spanOptions, fn) {
      const tags: Record<string, AttributeValue> = { ...spanOptions.attributes };
      if (spanOptions.kind === 'client') tags['span.kind'] = 'client';
      const isDb = spanOptions.attributes?.['db.system'] !== undefined;
      return tracer!.trace(
        name,
        { tags, type: isDb ? 'sql' : spanOptions.kind === 'client' ? 'http' : undefined },
        // tracer.trace finishes the span when the promise settles and tags the error on rejection.
        () => fn(),
      );
    },

    consumeMessage(carrier, message, fn) {
      // dd-trace's aws-sdk integration injected `_datadog` (a JSON text map) on SendMessage and opens an
      // `aws.response` span on receive; the worker's handling of each message continues that producer context.
      const parent = producerContext(tracer, carrier._datadog);
      return tracer!.trace(
        'sqs.process',
        {
          ...(parent ? { childOf: parent } : {}),
          resource: message.queue,
          type: 'worker',
          tags: {
            'span.kind': 'consumer',
            'messaging.system': 'aws_sqs',
            'messaging.operation.type': 'process',
            'messaging.destination.name': message.queue,
            'messaging.message.id': message.messageId,
            'messaging.message.delivery_count': message.receiveCount,
          },
        },
        () => fn(),
      );
    },

    annotate(key, value, scope) {
      spanFor(scope)?.setTag(key, tagValue(value));
    },

    metadata(key, value, scope) {
      spanFor(scope)?.setTag(`metadata.${key}`, tagValue(value));
    },

    captureError(error: Error, context: ErrorContext) {
      // `setTag('error', err)` records error.type / error.message / error.stack and flags the span.
      const spans = new Set([active(), roots.getStore()].filter((s): s is DdSpan => s !== undefined));
      for (const span of spans) {
        span.setTag('error', error);
        for (const [key, value] of Object.entries(context.attributes ?? {})) {
          // The facade adds every tracer's ids; our own `dd.*` ids are the span's identity already.
          if (!key.startsWith('dd.')) span.setTag(key, tagValue(value));
        }
        if (context.handle) span.setTag('usr.name', context.handle);
      }
    },

    traceContext() {
      const span = active();
      if (!span) return undefined;
      const ctx = span.context();
      return { 'dd.trace_id': ctx.toTraceId(), 'dd.span_id': ctx.toSpanId() };
    },

    async flush(timeoutMs) {
      // No public flush in dd-trace (5 or 6): the exporter's own flush (what its beforeExit hook calls) sends the
      // buffered traces now and calls back once the agent answered or the request failed.
      const exporter = (tracer as unknown as { _tracer?: { _exporter?: { flush?(done: () => void): void } } })
        ?._tracer?._exporter;
      if (!exporter?.flush) return;
      await callbackWithin(timeoutMs, (done) => exporter.flush!(done));
    },

    async shutdown(timeoutMs) {
      // dd-trace has no shutdown: its timers are unref'd and the process exits after this flush.
      await adapter.flush(timeoutMs);
    },
  };
  return adapter;
};

/** The producer's span context from the `_datadog` message attribute, if it holds one. */
function producerContext(tracer: Tracer | undefined, attribute: string | undefined) {
  if (!tracer || !attribute) return undefined;
  try {
    return tracer.extract('text_map', JSON.parse(attribute) as Record<string, string>) ?? undefined;
  } catch {
    return undefined; // Not JSON: not a Datadog producer's attribute.
  }
}

createDatadogAdapter.egress = (options) => [datadogSettings(options).agentUrl];
