/**
 * The adapter contract: what every vendor adapter implements and what the app's telemetry facade calls.
 *
 * Hooks are optional (like unstorage drivers or Sentry integrations): an adapter implements only what its
 * vendor has a native notion for. The facade fans every call out to every active adapter and guarantees
 * that a throwing adapter never fails a request.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { AdapterName } from '../vendors';
import type { VendorEgress } from './egress';

// The names, signals and SDK ranges live in the vendor manifests (vendors/), not on the adapter objects.
export { ADAPTER_NAMES } from '../vendors';
export type { AdapterName, Signal } from '../vendors';

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

/** `span` = the innermost span the facade opened; `root` = the request's server span/segment/transaction. */
export type Scope = 'span' | 'root';

export interface SpanOptions {
  /** `client` for outgoing calls (users service, database), `internal` otherwise. */
  kind?: 'internal' | 'client';
  attributes?: Attributes;
}

export interface ErrorContext {
  /** The request being served when the error happened, if any. */
  request?: { method: string; url: string; route?: string; headers?: Record<string, string | undefined> };
  /** The acting user's handle (Rollbar `person`, Sentry `user`). */
  handle?: string;
  /** Searchable context such as `bakeoff.run_id`, `chaos.fault`. */
  attributes?: Attributes;
  /** `warning` for expected, injected faults the vendor should still record. */
  level?: 'error' | 'warning';
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** Structured fields, already stamped with trace ids from every adapter's `traceContext()`. */
  fields: Record<string, unknown>;
  timestamp: number;
}

/** The message being sent: what a producer span names and tags. */
export interface ProducedMessage {
  /** The queue's name (`bakeoff-notifications`), not its URL. */
  queue: string;
  /** The queue's URL, as SendMessage gets it. */
  queueUrl: string;
}

/** One received message, as the worker hands it to the consumer hooks. */
export interface ConsumedMessage extends ProducedMessage {
  messageId: string;
  /** SQS `ApproximateReceiveCount`: 1 on first delivery, more on redelivery after a failure. */
  receiveCount: number;
  /** SQS system attributes as received (`AWSTraceHeader`, `SentTimestamp`, `ApproximateFirstReceiveTimestamp`). */
  systemAttributes: Readonly<Record<string, string>>;
}

/** Where an adapter sends its data; printed once at start. Never holds a secret. */
export interface Destination {
  kind: 'vendor' | 'sandbox';
  endpoint: string;
}

export interface Adapter {
  readonly name: AdapterName;
  readonly destination: Destination;

  /** Initialise the SDK. Called before `express`, `http` clients or DB drivers are loaded. */
  start(): Promise<void> | void;
  /** Mounted before any route (X-Ray segment, Sentry request isolation, root-span bookkeeping). */
  requestHandler?(): RequestHandler;
  /** Mounted after the routes and before the app's own error handler. */
  errorHandler?(): ErrorRequestHandler;

  /**
   * Runs `fn` inside a new child span and ends the span when `fn` settles (error status on rejection).
   * Callback style so each vendor can keep its own async context active for the nested work. Must call
   * `fn` before returning (every vendor API does: startActiveSpan, captureAsyncFunc, tracer.trace, startSpan).
   */
  withSpan?<T>(name: string, options: SpanOptions, fn: () => Promise<T>): Promise<T>;
  /** Indexed, searchable key (X-Ray annotation, OTel attribute, Datadog tag, Sentry tag). */
  annotate?(key: string, value: AttributeValue, scope: Scope): void;
  /** Unindexed detail (X-Ray metadata, Sentry context, Datadog meta under `metadata.`). */
  metadata?(key: string, value: unknown, scope: Scope): void;
  captureError?(error: Error, context: ErrorContext): void;
  log?(entry: LogEntry): void;
  /** Ids that correlate a log line with this vendor's trace, e.g. `{ trace_id, span_id }`. */
  traceContext?(): Record<string, string> | undefined;

  /**
   * Producer side of a queue message: add this vendor's trace headers to `carrier` (becomes the SQS message's
   * String message attributes). Called in the request's async context right before the AWS SDK's SendMessage,
   * so the SDK's own instrumentation (if the vendor has one) wraps the same call. Implement only what the
   * vendor's SDK does not inject by itself; SQS allows 10 attributes per message, so keep to one or two keys.
   */
  injectMessage?(carrier: Record<string, string>, message: ProducedMessage): void;
  /**
   * Consumer side: runs `fn` (the worker's handling of one message: its work and the DeleteMessage) inside a
   * consumer span/transaction/segment that continues or links the producer's trace found in `carrier` (the
   * message's String attributes) or `message.systemAttributes.AWSTraceHeader`, per the vendor's convention.
   * Same contract as `withSpan`: must call `fn` before returning; error status when `fn` rejects.
   */
  consumeMessage?<T>(
    carrier: Readonly<Record<string, string>>,
    message: ConsumedMessage,
    fn: () => Promise<T>,
  ): Promise<T>;

  /** Deliver everything buffered; resolves by `timeoutMs` at the latest. */
  flush(timeoutMs: number): Promise<void>;
  /** Flush, then release the SDK (timers, sockets). */
  shutdown(timeoutMs: number): Promise<void>;
}

/** What a factory gets: validated, frozen configuration shared by every adapter. */
export interface AdapterOptions {
  /** `activities` or `users`: becomes the service name in every vendor. */
  serviceName: string;
  /** Base URL of the local sandbox, used when the vendor's credentials are absent. */
  sandboxUrl: string;
  /**
   * The run's release (`BAKEOFF_RELEASE`), reported under the vendor's own version setting (its manifest's
   * `release` field). Unset → the adapter sets none and the SDK keeps its default.
   */
  release?: string;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Every endpoint any active adapter's SDK uploads to, plus the sandbox and the vendors' public intakes
   * (adapters/egress.ts). A tracing adapter must record no span or breadcrumb for a call to one of them. Set by
   * the registry; an adapter built on its own falls back to the sandbox and public intakes (`egressOf`).
   */
  egress?: VendorEgress;
}

export interface AdapterFactory {
  (options: AdapterOptions): Adapter;
  /**
   * Where this adapter's SDK will upload (URLs, `host:port` or domains), known before anything is created, so
   * the registry can tell every adapter in the process not to trace those calls.
   */
  egress?(options: AdapterOptions): readonly string[];
}
