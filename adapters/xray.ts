/**
 * AWS X-Ray with `aws-xray-sdk-core` 3.x (https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-nodejs.html).
 * The SDK has been in maintenance mode since 2026-02-25 (AWS now points new work at OpenTelemetry via ADOT);
 * it still receives fixes and is what most existing Node services on X-Ray run.
 *
 * How X-Ray works, and so how this file is laid out:
 * - The SDK never talks to AWS. It sends each finished segment as a UDP datagram to the X-Ray daemon
 *   (`AWS_XRAY_DAEMON_ADDRESS`, default 127.0.0.1:2000), which batches them to the X-Ray API with the
 *   instance's AWS credentials. Without a daemon nothing arrives anywhere, and nothing fails either.
 * - One segment per request (`requestHandler`), built with core's own middleware helper
 *   (`middleware.traceRequestResponseCycle`: continues an incoming `X-Amzn-Trace-Id`, applies sampling, records
 *   the request, and on `finish` records the status with the fault/error/throttle flags and closes the segment).
 *   The rest of the request runs in the SDK's context (cls-hooked) with that segment set, exactly what the
 *   separate `aws-xray-sdk-express` package does.
 * - Nested work is a subsegment (`captureAsyncFunc`); outgoing calls are `remote` subsegments that also send
 *   `X-Amzn-Trace-Id`, which is how the users service's segment joins the same trace.
 * - Annotations are indexed (filter expressions such as `annotation.bakeoff_run_id = "…"`); metadata is not.
 *
 * Deliberately not used: `capturePromise` (patches Promise.prototype.then; with other SDKs loaded it floods
 * stderr with context-missing errors), and centralized sampling by default (it samples 1 request a second and
 * 5% of the rest, so most demo requests would be missing: see `XRAY_SAMPLING`).
 */
import type * as XRay from 'aws-xray-sdk-core';
import type { Segment } from 'aws-xray-sdk-core';
import type { RequestHandler } from 'express';
import { egressOf } from './egress';
import { sandboxPlaysAgent } from './sandbox-agents';
import type { Adapter, AdapterFactory, AdapterOptions, Destination } from './types';
import {
  annotationKey,
  closeWithError,
  describeSubsegment,
  isClientError,
  recordError,
  rootOf,
  type XrayEntity,
} from './xray-entities';
import { captureFetchGlobal } from './xray-fetch';
import { captureHttpGlobalExcept } from './xray-http';
import { captureSqsClients, closeConsumerSegment, consumerSegment } from './xray-queue';

/** The daemon's well-known port (https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon-configuration.html). */
export const XRAY_DAEMON_PORT = 2000;

/**
 * Local sampling rules that record every request: `fixed_target` requests a second, then `rate` of the rest.
 * The SDK's default file says `rate: 0.05`. https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-nodejs-configuration.html#xray-sdk-nodejs-configuration-sampling
 */
export const SAMPLE_EVERY_REQUEST = { version: 2, default: { fixed_target: 1, rate: 1 }, rules: [] };

/** After the last segment is handed to the socket, how long `flush` lets the datagrams leave. */
const SEND_GRACE_MS = 25;
const POLL_MS = 10;
const PRUNE_AT = 256;

export interface XraySettings {
  /** `host:port` of the X-Ray daemon (UDP segments, TCP sampling API). */
  daemonAddress: string;
  /**
   * `XRAY_SAMPLING=centralized`: ask the daemon for the account's sampling rules (`GetSamplingRules`), as a
   * production service does. Default `local`: the `SAMPLE_EVERY_REQUEST` rule, so every demo request is traced.
   */
  centralizedSampling: boolean;
  destination: Destination;
}

/**
 * `AWS_XRAY_DAEMON_ADDRESS` wins. Otherwise, with AWS settings present (`AWS_REGION` or credentials) a real
 * daemon is expected on its default local address and forwards to X-Ray; without them the sandbox host plays
 * the daemon on port 2000.
 */
export function resolveXraySettings(options: AdapterOptions): XraySettings {
  const { env } = options;
  const aws = Boolean(env.AWS_REGION || env.AWS_ACCESS_KEY_ID);
  const daemonAddress =
    env.AWS_XRAY_DAEMON_ADDRESS ||
    (aws ? `127.0.0.1:${XRAY_DAEMON_PORT}` : `${new URL(options.sandboxUrl).hostname}:${XRAY_DAEMON_PORT}`);
  // `serve --with-sandbox` binds the daemon's port itself: then AWS settings reach no daemon of AWS's.
  const toAws = aws && !sandboxPlaysAgent(env, 'xray', daemonAddress);
  const endpoint = toAws
    ? `X-Ray daemon udp://${daemonAddress} → AWS X-Ray${env.AWS_REGION ? ` (${env.AWS_REGION})` : ''}`
    : `X-Ray daemon udp://${daemonAddress} (the sandbox's daemon)`;
  return {
    daemonAddress,
    centralizedSampling: (env.XRAY_SAMPLING ?? '').toLowerCase() === 'centralized',
    destination: { kind: toAws ? 'vendor' : 'sandbox', endpoint },
  };
}

/**
 * The SDK logs through `console` by default. Its errors are real (e.g. a segment too large for a datagram) but
 * repeat per request, so the first one is shown and the rest dropped; debug/info/warn are noise here.
 */
function quietLogger(): XRay.Logger {
  let shown = false;
  const ignore = () => undefined;
  return {
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (message: unknown) => {
      if (shown) return;
      shown = true;
      process.stderr.write(`[bakeoff] xray SDK error (further ones are not shown): ${String(message)}\n`);
    },
  };
}

export const createXrayAdapter: AdapterFactory = (options) => {
  const settings = resolveXraySettings(options);
  const egress = egressOf(options);
  let xray: typeof XRay | undefined;
  let restoreFetch: (() => void) | undefined;
  let restoreSqs: (() => void) | undefined;
  /** Sampled segments not yet handed to the emitter: what `flush` waits for. */
  const unsent = new Set<Segment>();

  /** The active segment or subsegment; undefined outside a request (context-missing is set to ignore). */
  const current = (): XrayEntity | undefined => xray?.getSegment();

  /** Forgets segments the SDK has emitted: closed, with no open subsegment left (the SDK's own counter). */
  const prune = () => {
    for (const s of unsent)
      if (s.isClosed() && (s as Segment & { counter: number }).counter <= 0) unsent.delete(s);
  };

  const waitForUnsent = async (timeoutMs: number) => {
    const deadline = Date.now() + Math.max(0, timeoutMs - SEND_GRACE_MS);
    for (prune(); unsent.size > 0 && Date.now() < deadline; prune()) await sleep(POLL_MS);
    await sleep(SEND_GRACE_MS);
  };

  const adapter: Adapter = {
    name: 'xray',
    destination: settings.destination,

    start() {
      // Lazy: the SDK (and its http patch) loads only when this adapter is chosen, before the app's modules.
      const sdk = require('aws-xray-sdk-core') as typeof XRay;
      xray = sdk;
      sdk.setLogger(quietLogger());
      // Spans opened outside a request (startup queries, health probes) are simply not traced.
      sdk.setContextMissingStrategy('IGNORE_ERROR');
      sdk.setDaemonAddress(settings.daemonAddress);
      sdk.middleware.setDefaultName(options.serviceName);
      // Every segment's `service` block: the SDK fills it from npm_package_version (unset outside `npm run`);
      // the run's release (BAKEOFF_RELEASE) goes where the X-Ray console shows the service version.
      if (options.release) {
        const current = (sdk.SegmentUtils as { serviceData?: object }).serviceData;
        sdk.SegmentUtils.setServiceData({ ...current, version: options.release });
      }
      if (!settings.centralizedSampling) sdk.middleware.disableCentralizedSampling();
      // Also the fallback while centralized rules are being fetched.
      sdk.middleware.setSamplingRules(SAMPLE_EVERY_REQUEST);
      // Outgoing http/https and fetch calls become `remote` subsegments and carry X-Amzn-Trace-Id, except
      // uploads to a vendor or the sandbox (any SDK's: see adapters/egress.ts).
      captureHttpGlobalExcept(sdk, require('node:http'), egress);
      captureHttpGlobalExcept(sdk, require('node:https'), egress);
      restoreFetch = captureFetchGlobal(sdk, egress);
      // SQS calls: `aws` subsegments, and the trace header that SQS turns into the message's AWSTraceHeader.
      restoreSqs = captureSqsClients(sdk);
    },

    requestHandler(): RequestHandler {
      return (req, res, next) => {
        const sdk = xray;
        if (!sdk) return next();
        const segment = sdk.middleware.traceRequestResponseCycle(req, res);
        if (!segment.notTraced) {
          // Pruned as it grows, so the set holds about the requests in flight.
          if (unsent.size >= PRUNE_AT) prune();
          unsent.add(segment);
        }
        const namespace = sdk.getNamespace();
        // Response listeners (the segment's own close on `finish`) run in this request's context too.
        namespace.bindEmitter(req);
        namespace.bindEmitter(res);
        namespace.run(() => {
          sdk.setSegment(segment);
          next();
        });
      };
    },

    withSpan(name, spanOptions, fn) {
      const sdk = xray;
      if (!sdk || !current()) return fn();
      // captureAsyncFunc runs `fn` at once, in a context where the new subsegment is the current one.
      return sdk.captureAsyncFunc(name, (subsegment) => {
        if (!subsegment) return fn();
        if (spanOptions.kind === 'client') subsegment.namespace = 'remote';
        describeSubsegment(subsegment, spanOptions.attributes);
        return settle(fn, (failed, error) =>
          failed ? closeWithError(subsegment, error) : subsegment.close(),
        );
      });
    },

    consumeMessage(_carrier, message, fn) {
      const sdk = xray;
      if (!sdk) return fn();
      const segment = consumerSegment(sdk, options.serviceName, message);
      if (!segment.notTraced) unsent.add(segment);
      return sdk.getNamespace().runAndReturn(() => {
        sdk.setSegment(segment);
        return settle(fn, (failed, error) => closeConsumerSegment(segment, failed ? error : undefined));
      });
    },

    annotate(key, value, scope) {
      const entity = current();
      if (!entity) return;
      (scope === 'root' ? rootOf(entity) : entity).addAnnotation(annotationKey(key), value);
    },

    metadata(key, value, scope) {
      const entity = current();
      if (!entity) return;
      // The `default` namespace: metadata keys may hold any character, so they are kept as the app wrote them.
      (scope === 'root' ? rootOf(entity) : entity).addMetadata(key, value);
    },

    captureError(error, context) {
      const entity = current();
      if (!entity) return; // X-Ray has no standalone error events: an error belongs to a traced request.
      const clientError = context.level === 'warning' || isClientError(error);
      const segment = rootOf(entity);
      if (entity !== segment) recordError(entity, error, clientError);
      // If a subsegment already recorded this very error, the SDK links to it (`cause.id`) instead of copying.
      recordError(segment, error, clientError);
      for (const [key, value] of Object.entries(context.attributes ?? {})) {
        segment.addAnnotation(annotationKey(key), value);
      }
    },

    traceContext() {
      const entity = current();
      if (!entity) return undefined;
      // The key AWS Lambda Powertools writes; CloudWatch and the sandbox both find traces by it.
      return { xray_trace_id: rootOf(entity).trace_id, xray_segment_id: entity.id };
    },

    async flush(timeoutMs) {
      await waitForUnsent(timeoutMs);
    },

    async shutdown(timeoutMs) {
      await waitForUnsent(timeoutMs);
      // The emitter's UDP socket and the sampling pollers are unref'd: nothing else holds the process.
      restoreFetch?.();
      restoreFetch = undefined;
      restoreSqs?.();
      restoreSqs = undefined;
    },
  };
  return adapter;
};

/** The daemon's TCP sampling API (the UDP segments are invisible to every tracer). */
createXrayAdapter.egress = (options) => daemonEndpoints(resolveXraySettings(options).daemonAddress);

/** `AWS_XRAY_DAEMON_ADDRESS` is `host:port`, or `tcp:host:port udp:host:port` for separate addresses. */
function daemonEndpoints(address: string): string[] {
  return address
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => part.replace(/^(tcp|udp):/, ''));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `fn` (a throw counts as a rejection) and calls `close` once it settles, saying whether it failed and with
 * what. The work's own result or error passes through untouched.
 */
function settle<T>(fn: () => Promise<T>, close: (failed: boolean, error?: unknown) => void): Promise<T> {
  let work: Promise<T>;
  try {
    work = fn();
  } catch (error) {
    work = Promise.reject(error);
  }
  return work.then(
    (value) => {
      close(false);
      return value;
    },
    (error: unknown) => {
      close(true, error);
      throw error;
    },
  );
}
