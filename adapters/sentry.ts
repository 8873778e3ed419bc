/**
 * Sentry, on the official Node SDK (`@sentry/node` 11).
 *
 * What Sentry gives you out of the box, and what this adapter adds:
 * - `Sentry.init()` instruments `http` (incoming requests become the root span, and `sentry-trace` + `baggage`
 *   from the caller continue its trace), `fetch` (outgoing calls get a span and carry those headers on) and
 *   Express (one span per middleware/router layer). It must run before `express` is required: `start()` is
 *   called by `bakeoff serve` before the app is loaded, and the SDK itself is only required inside `start()`.
 * - Our own spans (`activities.home`, `db.query`, `chaos.latency`, …) are `Sentry.startSpan()` children.
 * - Annotations are span attributes (searchable in the trace explorer) and, on the root, tags on the request's
 *   isolation scope too, so an error event raised later in that request is searchable by them as well.
 * - Errors: the app reports 5xx answers and injected faults through `captureError`, with tags, the request and
 *   the acting user. Sentry's automatic Express capture is switched off (`expressIntegration({shouldHandleError:
 *   false})`): it would send the same error first, without that context, and the SDK then drops our richer
 *   `captureException` of the same object as a duplicate.
 *
 * Two trace lifecycles (`SENTRY_TRACE_LIFECYCLE`): `stream` (the v11 default) sends each span as it ends, in
 * `span` envelope items; `static` sends one classic `transaction` event per request when its root span ends.
 *
 * Docs: https://docs.sentry.io/platforms/javascript/guides/express/
 */
import type * as SentryNode from '@sentry/node';
import type { ErrorRequestHandler } from 'express';
import { BakeoffError } from '../config/errors';
import { egressOf, VENDOR_AWS_SERVICES } from './egress';
import type {
  Adapter,
  AdapterFactory,
  AdapterOptions,
  AttributeValue,
  ConsumedMessage,
  Destination,
  ErrorContext,
  SpanOptions,
} from './types';

type Sentry = typeof SentryNode;
type SentrySpan = NonNullable<ReturnType<Sentry['getActiveSpan']>>;

/**
 * How many envelopes the SDK's transport may hold unsent (Sentry's default is 64; more are dropped as
 * `queue_overflow`). Span streaming sends one envelope per trace, holding each trace's spans 500 ms after its
 * root span ends, and `flush()`/`close()` send every held trace at once: a server answering more than ~100
 * requests a second holds more traces than 64, so the default loses the last requests' spans on SIGTERM (and
 * in any burst). The agent still opens at most 30 sockets; the rest wait their turn in this queue.
 */
const SEND_QUEUE_ENVELOPES = 4096;

/** The sandbox files Sentry data under the DSN's project id; any public key is accepted and never stored. */
const SANDBOX_PROJECT = '1';
const SANDBOX_PUBLIC_KEY = 'sandbox';

export interface SentrySettings {
  /**
   * `SENTRY_DSN`: the project's Data Source Name (Settings → Projects → Client Keys). Unset → the sandbox,
   * as `http://sandbox@<sandbox host:port>/1`. https://docs.sentry.io/concepts/key-terms/dsn-explainer/
   */
  dsn: string;
  /** Where the data goes, printable: the DSN without its public key. */
  destination: Destination;
  /**
   * `SENTRY_TRACE_LIFECYCLE`: `stream` (default in v11: spans are sent as they end) or `static` (one
   * `transaction` event per request). https://docs.sentry.io/platforms/javascript/configuration/options/
   */
  traceLifecycle: 'stream' | 'static';
  /** `SENTRY_ENVIRONMENT`, default `bakeoff` (Sentry's environment filter). */
  environment: string;
}

/** Reads the adapter's settings from the validated environment; a bad DSN or lifecycle fails at start. */
export function sentrySettings(options: AdapterOptions): SentrySettings {
  const { env, sandboxUrl } = options;
  const lifecycle = env.SENTRY_TRACE_LIFECYCLE || 'stream';
  if (lifecycle !== 'stream' && lifecycle !== 'static') {
    throw new BakeoffError(
      'BAKEOFF_ERR_INVALID_ENV',
      `SENTRY_TRACE_LIFECYCLE must be "stream" or "static", not "${lifecycle}".`,
    );
  }
  const environment = env.SENTRY_ENVIRONMENT || 'bakeoff';
  if (env.SENTRY_DSN) {
    return {
      dsn: env.SENTRY_DSN,
      destination: { kind: 'vendor', endpoint: dsnWithoutKey(env.SENTRY_DSN) },
      traceLifecycle: lifecycle,
      environment,
    };
  }
  const sandbox = new URL(sandboxUrl);
  const dsn = `${sandbox.protocol}//${SANDBOX_PUBLIC_KEY}@${sandbox.host}/${SANDBOX_PROJECT}`;
  return {
    dsn,
    destination: { kind: 'sandbox', endpoint: dsnWithoutKey(dsn) },
    traceLifecycle: lifecycle,
    environment,
  };
}

/** `https://KEY@o1.ingest.sentry.io/42` → `https://o1.ingest.sentry.io/42`: the key is a credential. */
export function dsnWithoutKey(dsn: string): string {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new BakeoffError(
      'BAKEOFF_ERR_INVALID_ENV',
      'SENTRY_DSN is not a URL (expected https://KEY@HOST/PROJECT).',
    );
  }
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/** Sentry's `op` is what its UI groups spans by; database and outgoing calls get the conventional ones. */
function opFor(options: SpanOptions): string {
  if (options.attributes?.['db.system'] !== undefined) return 'db';
  return options.kind === 'client' ? 'http.client' : 'function';
}

/** Span attributes and tags take primitives; structured metadata is kept as JSON text. */
function primitive(value: unknown): AttributeValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value) ?? String(value);
}

export const createSentryAdapter: AdapterFactory = (options) => {
  const settings = sentrySettings(options);
  let sdk: Sentry | undefined;

  const activeSpan = (): SentrySpan | undefined => sdk?.getActiveSpan();
  /** The request's server span: Sentry's own root lookup works from any depth of nesting. */
  const rootSpan = (): SentrySpan | undefined => {
    const span = activeSpan();
    return span && sdk?.getRootSpan(span);
  };

  const adapter: Adapter = {
    name: 'sentry',
    destination: settings.destination,

    start() {
      // Required here, not at the top: the SDK must be loaded (and init run) before express and fetch are used.
      const sentry = require('@sentry/node') as Sentry;
      sdk = sentry;
      sdk.init({
        dsn: settings.dsn,
        environment: settings.environment,
        // The run's release (BAKEOFF_RELEASE), as SENTRY_RELEASE would set it: on events, transactions and spans.
        ...(options.release ? { release: options.release } : {}),
        // Every request is traced: the comparison counts spans per request, so nothing may be sampled away.
        tracesSampleRate: 1,
        traceLifecycle: settings.traceLifecycle,
        transportOptions: { bufferSize: SEND_QUEUE_ENVELOPES },
        // Sent on errors and `transaction` events (Sentry's "server" tag); streamed spans use service.name below.
        serverName: options.serviceName,
        // The app reports errors itself, with context; see the file comment.
        // Dedupe drops an event identical to the one before it (same message and stack). Each injected fault is a
        // separate request's failure, and the comparison counts occurrences, so every one must be sent.
        // Http and NodeFetch are replaced: no span or breadcrumb for any SDK's upload (adapters/egress.ts).
        integrations: (defaults) => [
          ...defaults.filter((integration) => !['Dedupe', 'Http', 'NodeFetch'].includes(integration.name)),
          sentry.expressIntegration({ shouldHandleError: false }),
          sentry.httpIntegration({ ignoreOutgoingRequests: egressOf(options).includesUrl }),
          sentry.nativeNodeFetchIntegration({ ignoreOutgoingRequests: egressOf(options).includesUrl }),
        ],
        // The Aws integration sees the cloudwatch adapter's uploads as AWS API calls, by service, not by URL.
        ignoreSpans: VENDOR_AWS_SERVICES.map((service) => ({ attributes: { 'rpc.service': service } })),
        // Request headers help in the issue view, but the services' shared secret never leaves the process;
        // bodies and cookies hold user data the comparison does not need.
        dataCollection: {
          httpHeaders: { request: { deny: ['x-service-token', 'authorization', 'cookie'] }, response: true },
          httpBodies: [],
          cookies: false,
        },
      });
      // Scope attributes are copied onto every streamed span, so each span names its service.
      sdk.getGlobalScope().setAttributes({ 'service.name': options.serviceName });
      sdk.setTag('service', options.serviceName);
    },

    errorHandler(): ErrorRequestHandler {
      // Sentry's Express error handler attaches the request to the isolation scope (so our captureException
      // carries it). It would also capture 5xx errors the Express integration did not see, which would beat
      // our richer captureError to the same error object: it is told the error is already handled.
      const sentryHandler = sdk!.expressErrorHandler();
      return (error, req, res, next) => {
        if (error && typeof error === 'object') markHandled(req);
        sentryHandler(error, req, res, next);
      };
    },

    withSpan(name, spanOptions, fn) {
      return sdk!.startSpan(
        { name, op: opFor(spanOptions), attributes: spanOptions.attributes },
        // startSpan ends the span when the promise settles and marks it as an error on rejection.
        () => fn(),
      );
    },

    consumeMessage(carrier, message, fn) {
      // Sentry's Aws integration (a default) made SendMessage a `queue.publish` span and put `sentry-trace` and
      // `baggage` into the message attributes; the worker's handling is Sentry's queue-monitoring `queue.process`
      // transaction, continuing that trace.
      const sentry = sdk!;
      return sentry.continueTrace({ sentryTrace: carrier['sentry-trace'], baggage: carrier.baggage }, () =>
        sentry.startSpan(
          {
            name: `${message.queue} process`,
            op: 'queue.process',
            forceTransaction: true,
            attributes: {
              'messaging.system': 'aws_sqs',
              'messaging.destination.name': message.queue,
              'messaging.message.id': message.messageId,
              'messaging.message.retry.count': message.receiveCount - 1,
              ...receiveLatency(message),
            },
          },
          () => fn(),
        ),
      );
    },

    annotate(key, value, scope) {
      const span = scope === 'root' ? rootSpan() : activeSpan();
      span?.setAttribute(key, value);
      // Tags on the isolation scope reach every error event of this request, making them searchable too.
      if (scope === 'root') sdk?.getIsolationScope().setTag(key, value);
    },

    metadata(key, value, scope) {
      const span = scope === 'root' ? rootSpan() : activeSpan();
      span?.setAttribute(key, primitive(value));
      // Contexts are Sentry's unindexed detail on error events ("Additional Data" panels).
      if (scope === 'root') {
        const context =
          value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : { value };
        sdk?.getIsolationScope().setContext(key, context);
      }
    },

    captureError(error: Error, context: ErrorContext) {
      const tags: Record<string, string | number | boolean> = { ...context.attributes };
      // The facade adds every tracer's ids; the event carries its own trace context already.
      delete tags.sentry_trace_id;
      sdk?.captureException(error, {
        level: context.level ?? 'error',
        tags,
        contexts: context.request
          ? { bakeoff_request: { ...context.request, headers: undefined } }
          : undefined,
        user: context.handle ? { username: context.handle } : undefined,
      });
    },

    traceContext() {
      const span = activeSpan();
      return span ? { sentry_trace_id: span.spanContext().traceId } : undefined;
    },

    async flush(timeoutMs) {
      // Resolves false (not a rejection) when the timeout passes first, e.g. with the endpoint down.
      await sdk?.flush(timeoutMs);
    },

    async shutdown(timeoutMs) {
      await sdk?.close(timeoutMs);
    },
  };
  return adapter;
};

createSentryAdapter.egress = (options) => [sentrySettings(options).destination.endpoint];

/** Sentry's queue insights read `messaging.message.receive.latency` (ms from send to this receive). */
function receiveLatency(message: ConsumedMessage): Record<string, number> {
  const sent = Number(message.systemAttributes.SentTimestamp);
  return Number.isFinite(sent) ? { 'messaging.message.receive.latency': Math.max(0, Date.now() - sent) } : {};
}

/**
 * The flag Sentry's Express integration sets on a request whose error it has already seen (see
 * `@sentry/server-utils` express/error-handled); set here so `expressErrorHandler()` never captures itself.
 */
function markHandled(req: object): void {
  Object.defineProperty(req, '__sentry_express_error_handled__', { value: true, configurable: true });
}
