/**
 * The telemetry facade: the only observability API the app knows. It fans every call out to the active
 * adapters and makes sure none of them can fail a request: a throwing adapter is reported once per hook and
 * otherwise ignored (the OpenTelemetry-contrib rule for user hooks).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { withDeadline } from '../../adapters/deadline';
import type {
  Adapter,
  Attributes,
  AttributeValue,
  ConsumedMessage,
  ErrorContext,
  LogEntry,
  ProducedMessage,
  Scope,
  SpanOptions,
} from '../../adapters/types';

export type { Attributes, ConsumedMessage, ErrorContext, ProducedMessage, SpanOptions };

export type FaultReporter = (adapter: string, hook: string, error: unknown) => void;

export class Telemetry {
  private readonly reported = new Set<string>();
  // Per-hook lists, built once: with `none` every call below is a loop over nothing.
  private readonly spanners: Adapter[];
  private readonly annotators: Adapter[];
  private readonly describers: Adapter[];
  private readonly tracers: Adapter[];
  private readonly loggers: Adapter[];
  private readonly injectors: Adapter[];
  private readonly consumers: Adapter[];

  /**
   * True when some adapter makes spans. Callers that would build span names and attributes per request (the
   * store's query observer) skip that work entirely when it is false: with `none`, nobody would read them.
   */
  readonly tracing: boolean;
  /** True when some adapter takes annotations: the request's correlation goes on its root span then. */
  readonly annotating: boolean;

  constructor(
    readonly adapters: readonly Adapter[],
    private readonly onAdapterFault: FaultReporter = defaultFaultReporter,
  ) {
    this.spanners = adapters.filter((a) => typeof a.withSpan === 'function');
    this.tracing = this.spanners.length > 0;
    this.annotators = adapters.filter((a) => typeof a.annotate === 'function');
    this.annotating = this.annotators.length > 0;
    this.describers = adapters.filter((a) => typeof a.metadata === 'function');
    this.tracers = adapters.filter((a) => typeof a.traceContext === 'function');
    this.loggers = adapters.filter((a) => typeof a.log === 'function');
    this.injectors = adapters.filter((a) => typeof a.injectMessage === 'function');
    this.consumers = adapters.filter((a) => typeof a.consumeMessage === 'function');
  }

  /** Every adapter's request middleware, guarded: one that throws is skipped for that request. */
  requestHandlers(): RequestHandler[] {
    return this.adapters.flatMap((a) => {
      const handler = a.requestHandler?.();
      if (!handler) return [];
      const guarded: RequestHandler = (req, res, next) => {
        let passed = false;
        try {
          handler(req, res, (err?: unknown) => {
            passed = true;
            // An adapter's own failure is not the request's: drop it and carry on.
            if (err !== undefined && err !== 'route' && err !== 'router')
              this.report(a.name, 'requestHandler', err);
            next();
          });
        } catch (error) {
          this.report(a.name, 'requestHandler', error);
          if (!passed) next();
        }
      };
      return [guarded];
    });
  }

  /** Every adapter's error middleware, guarded: it sees the error, and the error always reaches ours. */
  errorHandlers(): ErrorRequestHandler[] {
    return this.adapters.flatMap((a) => {
      const handler = a.errorHandler?.();
      if (!handler) return [];
      const guarded: ErrorRequestHandler = (error, req, res, next) => {
        let passed = false;
        try {
          handler(error, req, res, () => {
            passed = true;
            next(error);
          });
        } catch (thrown) {
          this.report(a.name, 'errorHandler', thrown);
          if (!passed) next(error);
        }
      };
      return [guarded];
    });
  }

  /** Runs `fn` inside a span in every tracing adapter, nested so each vendor keeps its own async context. */
  span<T>(name: string, options: SpanOptions, fn: () => Promise<T>): Promise<T> {
    if (this.spanners.length === 0) return fn();
    const enter = (index: number): Promise<T> => {
      if (index === this.spanners.length) return fn();
      return this.guardedSpan(this.spanners[index], name, options, () => enter(index + 1));
    };
    return enter(0);
  }

  annotate(key: string, value: AttributeValue, scope: Scope = 'span'): void {
    for (const a of this.annotators) this.guard(a, 'annotate', () => a.annotate?.(key, value, scope));
  }

  metadata(key: string, value: unknown, scope: Scope = 'span'): void {
    for (const a of this.describers) this.guard(a, 'metadata', () => a.metadata?.(key, value, scope));
  }

  /** Reports an error to every adapter; the active tracers' ids ride along, so an error links to its trace. */
  captureError(error: Error, context: ErrorContext = {}): void {
    const ids = this.traceContext();
    if (Object.keys(ids).length > 0) context = { ...context, attributes: { ...ids, ...context.attributes } };
    for (const a of this.adapters) {
      if (a.captureError) this.guard(a, 'captureError', () => a.captureError?.(error, context));
    }
  }

  /** Trace ids from every tracing adapter, to stamp on log lines (`trace_id`, `dd.trace_id`, …). */
  traceContext(): Record<string, string> {
    const ids: Record<string, string> = {};
    for (const a of this.tracers) {
      const own = this.guard(a, 'traceContext', () => a.traceContext?.());
      if (own) Object.assign(ids, own);
    }
    return ids;
  }

  /**
   * Producer side of a queue message: every adapter adds its trace headers to `carrier`. A throwing adapter
   * is skipped, and one that writes a non-string value has it dropped (message attributes are strings here).
   */
  injectMessage(carrier: Record<string, string>, message: ProducedMessage): void {
    for (const a of this.injectors) this.guard(a, 'injectMessage', () => a.injectMessage?.(carrier, message));
    for (const [key, value] of Object.entries(carrier)) if (typeof value !== 'string') delete carrier[key];
  }

  /**
   * Consumer side: runs `fn` inside every adapter's consumer span for this message, nested like `span`, with
   * the same guard: an adapter that throws before running the work is skipped and the work runs anyway.
   */
  consumeMessage<T>(
    carrier: Readonly<Record<string, string>>,
    message: ConsumedMessage,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (this.consumers.length === 0) return fn();
    const enter = (index: number): Promise<T> => {
      if (index === this.consumers.length) return fn();
      const a = this.consumers[index];
      return this.guardedRun(
        a,
        'consumeMessage',
        () => enter(index + 1),
        (run) => a.consumeMessage!(carrier, message, run),
      );
    };
    return enter(0);
  }

  /** Hands a structured log entry to the adapters that ship logs (CloudWatch). */
  forwardLog(entry: LogEntry): void {
    for (const a of this.loggers) this.guard(a, 'log', () => a.log?.(entry));
  }

  /** Flushes every adapter in parallel; resolves by `timeoutMs` whatever the vendors do. */
  async flush(timeoutMs: number): Promise<void> {
    await this.everyAdapter('flush', timeoutMs, (a) => a.flush(timeoutMs));
  }

  async shutdown(timeoutMs: number): Promise<void> {
    await this.everyAdapter('shutdown', timeoutMs, (a) => a.shutdown(timeoutMs));
  }

  private async everyAdapter(hook: string, timeoutMs: number, call: (a: Adapter) => Promise<void>) {
    await Promise.all(
      this.adapters.map((a) =>
        withDeadline(
          Promise.resolve()
            .then(() => call(a))
            .catch((error) => this.report(a.name, hook, error)),
          timeoutMs,
        ),
      ),
    );
  }

  private guardedSpan<T>(adapter: Adapter, name: string, options: SpanOptions, inner: () => Promise<T>) {
    return this.guardedRun(adapter, 'withSpan', inner, (run) => adapter.withSpan!(name, options, run));
  }

  /** Calls a wrapping hook (`withSpan`, `consumeMessage`) so that the work runs exactly once whatever it does. */
  private guardedRun<T>(
    adapter: Adapter,
    hook: string,
    inner: () => Promise<T>,
    wrap: (run: () => Promise<T>) => Promise<T>,
  ): Promise<T> {
    // If the adapter throws before it ran the work, run the work anyway: telemetry never costs a request.
    let entered = false;
    const run = () => {
      entered = true;
      return inner();
    };
    try {
      const result = wrap(run);
      if (entered) return result;
      this.report(adapter.name, hook, new Error(`${hook} returned without running the work`));
      return inner();
    } catch (error) {
      if (entered) throw error;
      this.report(adapter.name, hook, error);
      return inner();
    }
  }

  private guard<T>(adapter: Adapter, hook: string, call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.report(adapter.name, hook, error);
      return undefined;
    }
  }

  private report(adapter: string, hook: string, error: unknown) {
    const key = `${adapter}.${hook}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onAdapterFault(adapter, hook, error);
  }
}

function defaultFaultReporter(adapter: string, hook: string, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`[bakeoff] adapter ${adapter} failed in ${hook} (reported once): ${message}\n`);
}
