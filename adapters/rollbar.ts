/**
 * Rollbar with the `rollbar` 3.x Node notifier (https://docs.rollbar.com/docs/nodejs): errors only — Rollbar
 * groups occurrences into items, counts them, and tells you when a new one appears or an old one comes back.
 *
 * Each captured error is one occurrence with the request (method, URL, the route as its `context`), the user
 * as `person`, the injected fault and the bakeoff correlation as custom data, and the trace id of any tracing
 * adapter running alongside (so a Rollbar item links to its X-Ray/Honeycomb/Datadog trace).
 *
 * Choices:
 * - Errors are reported through the facade's `captureError` only, not `rollbar.errorHandler()`: the app
 *   already decides what is an error (5xx and injected faults, not a 404 or a validation 400), and
 *   `errorHandler()` would report every error passed to `next()` a second time. Same rollbar call either way.
 * - Injected faults answered with a 4xx are `warning`s, everything else `error`.
 * - Crashes are reported by `captureFatalErrors` (see rollbar-fatal.ts for why not `captureUncaught`).
 * - At most `MAX_IN_FLIGHT` items are being sent at once: rollbar.js has no request timeout, so against a
 *   vendor that accepts connections and never answers each item would hold a socket forever.
 */
import type Rollbar from 'rollbar';
import { captureFatalErrors, type FatalCapture } from './rollbar-fatal';
import { MessageOrigin } from './message-origin';
import { customOf, requestOf } from './rollbar-item';
import type { Adapter, AdapterFactory, AdapterOptions, Destination } from './types';

/** Rollbar's item API (`endpoint` must be the full item URL). */
export const ROLLBAR_API_ENDPOINT = 'https://api.rollbar.com/api/1/item/';
/** The sandbox wants a token to be present, like Rollbar does; it never stores it. Not a real credential. */
export const SANDBOX_TOKEN = 'bakeoff-sandbox-placeholder-token';
/** Items being delivered at once; beyond it new items are dropped (and counted) until some complete. */
export const MAX_IN_FLIGHT = 100;
/** rollbar.js's per-minute cap (`itemsPerMinute`); its default is no cap. Rollbar's own docs example uses 60. */
export const ITEMS_PER_MINUTE = 600;
/** How long a crashing process waits for its `critical` item before exiting. */
export const FATAL_FLUSH_MS = 2000;

export interface RollbarSettings {
  /** `ROLLBAR_ACCESS_TOKEN` (a project's `post_server_item` token), or the sandbox placeholder. */
  accessToken: string;
  endpoint: string;
  /** `ROLLBAR_ENVIRONMENT`, default `bakeoff`: Rollbar filters every view by environment. */
  environment: string;
  destination: Destination;
}

/** Real Rollbar when `ROLLBAR_ACCESS_TOKEN` is set, else the sandbox's item endpoint. Never prints the token. */
export function resolveRollbarSettings(options: AdapterOptions): RollbarSettings {
  const token = options.env.ROLLBAR_ACCESS_TOKEN;
  const environment = options.env.ROLLBAR_ENVIRONMENT || 'bakeoff';
  if (token) {
    return {
      accessToken: token,
      endpoint: ROLLBAR_API_ENDPOINT,
      environment,
      destination: { kind: 'vendor', endpoint: ROLLBAR_API_ENDPOINT },
    };
  }
  const endpoint = `${options.sandboxUrl.replace(/\/+$/, '')}/api/1/item/`;
  return { accessToken: SANDBOX_TOKEN, endpoint, environment, destination: { kind: 'sandbox', endpoint } };
}

export const createRollbarAdapter: AdapterFactory = (options) => {
  const settings = resolveRollbarSettings(options);
  let rollbar: Rollbar | undefined;
  let fatal: FatalCapture | undefined;
  let inFlight = 0;
  let dropped = 0;
  let warned = false;
  const idle: Array<() => void> = [];

  /** One line the first time delivery fails or items are dropped; a down vendor must not flood stderr. */
  const warnOnce = (why: string) => {
    if (warned) return;
    warned = true;
    process.stderr.write(`[bakeoff] rollbar: ${why} (further delivery problems are not shown)\n`);
  };

  /** Hands an item to rollbar.js and tracks it until its callback says it was delivered or failed. */
  const send = (level: 'critical' | 'error' | 'warning', args: unknown[], done?: () => void) => {
    if (!rollbar || inFlight >= MAX_IN_FLIGHT) {
      if (rollbar) warnOnce(`${++dropped} item(s) dropped: ${MAX_IN_FLIGHT} still being delivered`);
      done?.();
      return;
    }
    inFlight++;
    const callback = (err?: Error | null) => {
      if (err) warnOnce(`could not deliver an item: ${err.message}`);
      inFlight--;
      if (inFlight === 0) for (const wake of idle.splice(0)) wake();
      done?.();
    };
    rollbar[level](...(args as Rollbar.LogArgument[]), callback);
  };

  /** Resolves when nothing is being delivered, or at the deadline. rollbar.wait() does the same with a 500 ms
   * poll timer that keeps running after a timed-out flush; counting callbacks needs no timer. */
  const drained = (timeoutMs: number) =>
    new Promise<void>((resolve) => {
      if (inFlight === 0) return resolve();
      const timer = setTimeout(resolve, timeoutMs);
      idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  const origin = new MessageOrigin();

  const adapter: Adapter = {
    name: 'rollbar',
    destination: settings.destination,

    start() {
      const RollbarSdk = require('rollbar') as typeof Rollbar;
      rollbar = new RollbarSdk({
        accessToken: settings.accessToken,
        endpoint: settings.endpoint,
        environment: settings.environment,
        // The run's release (BAKEOFF_RELEASE): every item's `code_version`, what Rollbar groups deploys by.
        ...(options.release ? { codeVersion: options.release } : {}),
        // Crashes go through captureFatalErrors, which keeps Node's crash behaviour.
        captureUncaught: false,
        captureUnhandledRejections: false,
        itemsPerMinute: ITEMS_PER_MINUTE,
        // Its network telemetry would file every SDK's uploads (Sentry envelopes, OTLP posts, …) as breadcrumbs
        // of the next item, with no way to filter them; off is the server default, stated so it stays off.
        autoInstrument: false,
        // Its logger prints every failed delivery; warnOnce reports the first. ('disable' is missing from the d.ts.)
        logLevel: 'disable' as Rollbar.Level,
      });
      fatal = captureFatalErrors(
        (error, origin, done) => send('critical', [error, { service: options.serviceName, origin }], done),
        FATAL_FLUSH_MS,
      );
    },

    // Across the queue: Rollbar has no trace, so the request's run id, seq and trace ids travel in a message
    // attribute and the worker's items carry them (adapters/message-origin.ts).
    requestHandler: () => origin.requestHandler(),
    annotate: (key, value) => origin.remember({ [key]: value }),
    injectMessage: (carrier) => origin.inject(carrier),
    consumeMessage: (carrier, message, fn) => origin.consume(carrier, message, fn),

    captureError(error, context) {
      origin.remember(context.attributes);
      const request = requestOf(context, options.serviceName);
      const custom = customOf(origin.stamp(context.attributes), options.serviceName);
      // Undefined arguments are skipped by rollbar.js, which tells the arguments apart by their shape.
      send(context.level === 'warning' ? 'warning' : 'error', [error, request, custom]);
    },

    async flush(timeoutMs) {
      await drained(timeoutMs);
    },

    async shutdown(timeoutMs) {
      await drained(timeoutMs);
      fatal?.uninstall();
      fatal = undefined;
    },
  };
  return adapter;
};

createRollbarAdapter.egress = (options) => [resolveRollbarSettings(options).endpoint];
