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
