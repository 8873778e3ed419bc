/**
 * CloudWatch Logs through `winston` + `winston-cloudwatch` (over the AWS SDK v3 CloudWatch Logs client): one
 * JSON line per request log entry, and one error-level JSON line (with the stack) per captured error.
 * https://github.com/lazywithclass/winston-cloudwatch · https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 *
 * Each line already carries the trace ids of every tracing adapter in the process (the app's logger stamps
 * them), so with `OBSERVABILITY=honeycomb,cloudwatch` a CloudWatch Logs Insights query on `trace_id` finds
 * the Honeycomb trace.
 *
 * winston-cloudwatch 6.3 (last release 2023) has sharp edges this file works around, each marked below: an
 * unbounded queue, a `kthxbye()` that may never call back, a retention call that prints a stack trace to
 * stderr on every failed upload, and an upload timer that inherits the async context of the request that
 * logged first.
 */
import { AsyncResource } from 'node:async_hooks';
import { hostname } from 'node:os';
import type { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from 'winston';
import type WinstonCloudWatch from 'winston-cloudwatch';
import { BakeoffError } from '../config/errors';
import { errorLine, logLine, toJsonLine } from './cloudwatch-lines';
import { withDeadline } from './deadline';
import { MessageOrigin } from './message-origin';
import type { Adapter, AdapterFactory, AdapterOptions, Destination } from './types';

/** winston-cloudwatch's upload interval; 1 s keeps logs close to real time (its default is 2 s). */
export const UPLOAD_RATE_MS = 1000;
/**
 * Lines kept while CloudWatch is unreachable; beyond this the oldest are dropped. winston-cloudwatch queues
 * without limit, and PutLogEvents takes at most 10,000 events per call anyway.
 */
export const MAX_QUEUED_LINES = 10_000;
/** Per-call socket timeout: the SDK's default is none, so a hanging endpoint would block uploads forever. */
export const REQUEST_TIMEOUT_MS = 5000;
/** Values CloudWatch accepts for `retentionInDays`. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** Never real: the sandbox does not check SigV4 signatures, but the SDK insists on signing. */
const SANDBOX_CREDENTIALS = {
  accessKeyId: 'AKIDBAKEOFFSANDBOX',
  secretAccessKey: 'bakeoff-sandbox-not-a-secret',
};

/** Where the lines go and under which names; resolved once from the environment. */
export interface CloudWatchTarget {
  /** `CLOUDWATCH_LOG_GROUP`, default `/bakeoff/<service>` (one group per service, like `/aws/lambda/<fn>`). */
  logGroupName: string;
  /** `CLOUDWATCH_LOG_STREAM`, default `<service>-<host>-<pid>`: one writer per stream, as CloudWatch expects. */
  logStreamName: string;
  /** `CLOUDWATCH_RETENTION_DAYS`, default 7 (CloudWatch's own default is to keep logs forever). */
  retentionInDays: number;
  /** AWS region (`AWS_REGION`), or `us-east-1` for the sandbox. */
  region: string;
  /** The sandbox URL, or undefined for real CloudWatch (the SDK's endpoint, or `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`). */
  endpoint: string | undefined;
  destination: Destination;
}

/**
 * Real CloudWatch when AWS credentials are configured (`AWS_ACCESS_KEY_ID` or `AWS_PROFILE`), or when
 * `AWS_REGION` and `CLOUDWATCH_LOG_GROUP` are both set (an EC2 instance role: the SDK's default credential
 * chain finds it). Otherwise the sandbox, with static fake credentials.
 */
export function resolveCloudWatchTarget(options: AdapterOptions): CloudWatchTarget {
  const { env, serviceName } = options;
  const logGroupName = env.CLOUDWATCH_LOG_GROUP || `/bakeoff/${serviceName}`;
  const logStreamName = env.CLOUDWATCH_LOG_STREAM || `${serviceName}-${hostname()}-${process.pid}`;
  const retentionInDays = env.CLOUDWATCH_RETENTION_DAYS ? Number(env.CLOUDWATCH_RETENTION_DAYS) : 7;
  if (!RETENTION_DAYS.includes(retentionInDays)) {
    throw new BakeoffError(
      'BAKEOFF_ERR_INVALID_ENV',
      `CLOUDWATCH_RETENTION_DAYS must be one of ${RETENTION_DAYS.join(', ')} (got "${env.CLOUDWATCH_RETENTION_DAYS}").`,
    );
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  const instanceRole = Boolean(region && env.CLOUDWATCH_LOG_GROUP);
  if (hasCredentials || instanceRole) {
    if (!region) {
      throw new BakeoffError(
        'BAKEOFF_ERR_INVALID_ENV',
        'cloudwatch: AWS credentials are set but AWS_REGION is not; set AWS_REGION (e.g. us-east-1).',
      );
    }
    return {
      logGroupName,
      logStreamName,
      retentionInDays,
      region,
      endpoint: undefined,
      destination: {
        kind: 'vendor',
        endpoint: `CloudWatch Logs ${region} ${logGroupName} / ${logStreamName}`,
      },
    };
  }
  return {
    logGroupName,
    logStreamName,
    retentionInDays,
    region: 'us-east-1',
    endpoint: options.sandboxUrl,
    destination: { kind: 'sandbox', endpoint: `${options.sandboxUrl} ${logGroupName} / ${logStreamName}` },
  };
}

/** The transport's queue: not in its typings, but it is the array it uploads from (`lib/cloudwatch-integration`). */
type QueuedTransport = WinstonCloudWatch & { logEvents: unknown[]; flushTimeout?: number };

export const createCloudWatchAdapter: AdapterFactory = (options) => {
  const target = resolveCloudWatchTarget(options);
  let client: CloudWatchLogs | undefined;
  let transport: QueuedTransport | undefined;
  let logger: Logger | undefined;
  let dropped = 0;

  const reported = new Set<string>();
  /** One stderr line per kind of trouble, however long an outage lasts. */
  const reportOnce = (what: string, error: unknown) => {
    if (reported.has(what)) return;
    reported.add(what);
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`[bakeoff] cloudwatch: ${what} (reported once): ${reason}\n`);
  };

  /**
   * Writes one line. Bound to the start-up async context: winston-cloudwatch creates its upload timer on the
   * first write, and a timer created inside a request would run every later upload in that request's context
   * (a tracing SDK would file each upload call under that long-finished request).
   */
  let write: (line: Record<string, unknown>) => void = () => {};

  const origin = new MessageOrigin();

  const adapter: Adapter = {
    name: 'cloudwatch',
    destination: target.destination,

    async start() {
      const { CloudWatchLogs, ResourceAlreadyExistsException } =
        await import('@aws-sdk/client-cloudwatch-logs');
      const winston = (await import('winston')).default;
      const WinstonCloudWatchTransport = (await import('winston-cloudwatch')).default;

      client = new CloudWatchLogs({
        region: target.region,
        ...(target.endpoint ? { endpoint: target.endpoint, credentials: SANDBOX_CREDENTIALS } : {}),
        // Without throwOnRequestTimeout the SDK only warns and keeps waiting, and winston-cloudwatch uploads
        // nothing more until that call returns.
        requestHandler: {
          requestTimeout: REQUEST_TIMEOUT_MS,
          connectionTimeout: REQUEST_TIMEOUT_MS,
          throwOnRequestTimeout: true,
        },
        // One retry: winston-cloudwatch retries a failed upload three more times on its own.
        maxAttempts: 2,
      });
      transport = new WinstonCloudWatchTransport({
        cloudWatchLogs: client,
        level: 'debug', // the app's logger already applied LOG_LEVEL
        logGroupName: target.logGroupName,
        logStreamName: target.logStreamName,
        // Compact JSON, one line per event (`jsonMessage: true` would pretty-print over several lines).
        messageFormatter: (info) => toJsonLine(info),
        uploadRate: UPLOAD_RATE_MS,
        // Retention is set below, once: the library would retry it on every upload and print a stack trace
        // to stderr each time it fails.
        retentionInDays: 0,
        errorHandler: (error) => reportOnce('upload failed, lines stay queued', error),
      }) as QueuedTransport;
      logger = winston.createLogger({ level: 'debug', transports: [transport], exitOnError: false });
      const bound = AsyncResource.bind((line: Record<string, unknown>) => logger?.log(line as never));
      write = bound;

      // Group and retention up front, in the background: start-up never waits on AWS.
      const { logGroupName, retentionInDays } = target;
      void client
        .createLogGroup({ logGroupName })
        .catch((error: unknown) => {
          if (!(error instanceof ResourceAlreadyExistsException)) throw error;
        })
        .then(() => client?.putRetentionPolicy({ logGroupName, retentionInDays }))
        .catch((error: unknown) => reportOnce(`setting up log group ${logGroupName} failed`, error));
    },

    log(entry) {
      if (!transport) return;
      // Cap the queue (oldest first) so an outage costs bounded memory, and say so once.
      const excess = transport.logEvents.length - MAX_QUEUED_LINES + 1;
      if (excess > 0) {
        transport.logEvents.splice(0, excess);
        dropped += excess;
        reportOnce(
          `queue full (${MAX_QUEUED_LINES} lines), dropping the oldest`,
          `${dropped} dropped so far`,
        );
      }
      origin.remember(entry.fields);
      write(logLine({ ...entry, fields: origin.stamp(entry.fields) ?? entry.fields }));
    },

    captureError(error, context) {
      origin.remember(context.attributes);
      const attributes = origin.stamp(context.attributes);
      if (transport) write(errorLine(error, { ...context, attributes }, options.serviceName));
    },

    // Across the queue: log lines have no trace to continue, so the request's run id, seq and trace ids
    // travel in a message attribute and the worker's lines carry them (adapters/message-origin.ts).
    requestHandler: () => origin.requestHandler(),
    annotate: (key, value) => origin.remember({ [key]: value }),
    injectMessage: (carrier) => origin.inject(carrier),
    consumeMessage: (carrier, message, fn) => origin.consume(carrier, message, fn),

    async flush(timeoutMs) {
      await drain(timeoutMs);
    },

    async shutdown(timeoutMs) {
      await drain(timeoutMs);
      transport?.close?.();
      client?.destroy();
    },
  };

  /**
   * `kthxbye()` uploads until the queue is empty. It gives up only at its own `flushTimeout` (10 s, set once
   * and never reset), and while an upload is stuck it spins on `setTimeout(0)`: reset its deadline to ours
   * and race it, since with an endpoint that never answers it may not call back in time at all.
   */
  function drain(timeoutMs: number): Promise<void> {
    const t = transport;
    if (!t) return Promise.resolve();
    t.flushTimeout = Date.now() + timeoutMs;
    const flushed = new Promise<void>((resolve) =>
      t.kthxbye((error) => {
        if (error) reportOnce('flush incomplete', error);
        resolve();
      }),
    );
    return withDeadline(flushed, timeoutMs);
  }

  return adapter;
};

/**
 * Where the CloudWatch Logs client connects: the sandbox; or the region's Logs endpoint (or the one the AWS SDK is
 * pointed at instead) and, for credentials, the EC2 instance metadata service, the container credentials
 * endpoint and STS.
 */
createCloudWatchAdapter.egress = (options) => {
  const { endpoint, region } = resolveCloudWatchTarget(options);
  if (endpoint) return [endpoint];
  const { env } = options;
  const overrides = [
    env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
    env.AWS_ENDPOINT_URL,
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  ];
  return [
    `https://logs.${region}.amazonaws.com`,
    `https://sts.${region}.amazonaws.com`,
    'http://169.254.169.254',
    'http://[fd00:ec2::254]',
    'http://169.254.170.2',
    ...overrides.filter((url): url is string => Boolean(url)),
  ];
};
