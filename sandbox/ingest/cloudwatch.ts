import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import express from 'express';
import { emptyBatch, type IngestBatch, type IngestSink } from '../model';
import { logFromEvent } from './cloudwatch-message';
import { AwsError, CloudWatchState, type LogGroupState, type LogStreamState } from './cloudwatch-state';
import { readAwsJsonCall } from './aws-json';
import type { JsonObject } from './json-fields';
import { rawBodyParser } from './body';
import { defineIngestModule } from './module';

/**
 * CloudWatch Logs' JSON 1.1 API as the AWS SDK v3 speaks it: `POST /` with `X-Amz-Target: Logs_20140328.<Op>`
 * and an application/x-amz-json-1.1 body; errors are 400 `{"__type": "<Name>Exception", "message": …}`.
 * Supported: CreateLogGroup, CreateLogStream, DeleteLogGroup, DeleteLogStream, DescribeLogGroups,
 * DescribeLogStreams, PutLogEvents, PutRetentionPolicy. The SigV4 Authorization header is never read or stored.
 * Every call with a known operation is accounted to the sink (control-plane calls with an empty batch), so the
 * compare report sees what the protocol costs per log line.
 */

const TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** PutLogEvents allows 1 MiB of events; the JSON envelope adds escaping and field names on top. */
export const CLOUDWATCH_MAX_BODY = 6 * 1024 * 1024;

type Operation = (req: JsonObject, state: CloudWatchState, batch: IngestBatch) => JsonObject;

const groupJson = (state: CloudWatchState, g: LogGroupState): JsonObject => ({
  logGroupName: g.name,
  creationTime: g.creationTime,
  ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
  metricFilterCount: 0,
  arn: `${state.groupArn(g.name)}:*`,
  logGroupArn: state.groupArn(g.name),
  storedBytes: [...g.streams.values()].reduce((sum, s) => sum + s.storedBytes, 0),
  logGroupClass: 'STANDARD',
});

const streamJson = (state: CloudWatchState, group: string, s: LogStreamState): JsonObject => ({
  logStreamName: s.name,
  creationTime: s.creationTime,
  ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
  ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
  ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
  // Deprecated by AWS but still returned; winston-cloudwatch reads it.
  uploadSequenceToken: state.uploadSequenceToken(s),
  arn: state.streamArn(group, s.name),
  storedBytes: 0,
});

const optionalString = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AwsError('SerializationException', `${field} must be a string`);
  return v;
};

/** `limit` (1–50) and `nextToken` (our offset) paging shared by the Describe calls. */
function page<T>(items: T[], req: JsonObject): { items: T[]; nextToken?: string } {
  const limit = req.limit ?? 50;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 50) {
    throw new AwsError(
      'InvalidParameterException',
      "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 50",
    );
  }
  const start = req.nextToken === undefined ? 0 : Number(req.nextToken);
  if (!Number.isInteger(start) || start < 0)
    throw new AwsError('InvalidParameterException', 'Invalid nextToken');
  const slice = items.slice(start, start + limit);
  return start + limit < items.length ? { items: slice, nextToken: String(start + limit) } : { items: slice };
}

const OPERATIONS: Record<string, Operation> = {
  CreateLogGroup: (req, state) => {
    state.createGroup(req.logGroupName);
    return {};
  },
  CreateLogStream: (req, state) => {
    state.createStream(req.logGroupName, req.logStreamName);
    return {};
  },
  DeleteLogGroup: (req, state) => {
    state.deleteGroup(req.logGroupName);
    return {};
  },
  DeleteLogStream: (req, state) => {
    state.deleteStream(req.logGroupName, req.logStreamName);
    return {};
  },
  PutRetentionPolicy: (req, state) => {
    state.setRetention(req.logGroupName, req.retentionInDays);
    return {};
  },
  DescribeLogGroups: (req, state) => {
    const groups = state.listGroups(optionalString(req.logGroupNamePrefix, 'logGroupNamePrefix'));
    const { items, nextToken } = page(groups, req);
    return { logGroups: items.map((g) => groupJson(state, g)), ...(nextToken ? { nextToken } : {}) };
  },
  DescribeLogStreams: (req, state) => {
    const group = String(req.logGroupName ?? req.logGroupIdentifier ?? '');
    const streams = state.listStreams(group, {
      prefix: optionalString(req.logStreamNamePrefix, 'logStreamNamePrefix'),
      orderBy: req.orderBy,
      descending: req.descending === true,
    });
    const { items, nextToken } = page(streams, req);
    return { logStreams: items.map((s) => streamJson(state, group, s)), ...(nextToken ? { nextToken } : {}) };
  },
  PutLogEvents: (req, state, batch) => {
    const group = req.logGroupName;
    const stream = req.logStreamName;
    const result = state.put(group, stream, req.logEvents);
    for (const event of result.accepted) batch.logs.push(logFromEvent(event, String(group), String(stream)));
    return {
      nextSequenceToken: result.nextSequenceToken,
      ...(result.rejectedLogEventsInfo ? { rejectedLogEventsInfo: result.rejectedLogEventsInfo } : {}),
    };
  },
};

function send(res: express.Response, status: number, body: JsonObject): void {
  res.status(status).set('x-amzn-RequestId', randomUUID()).type(CONTENT_TYPE).send(JSON.stringify(body));
}

function sendError(res: express.Response, type: string, message: string, status = 400): void {
  res.set('x-amzn-ErrorType', type);
  send(res, status, { __type: type, message });
}

/**
 * Requests that name a CloudWatch Logs target, or speak AWS JSON without any target, are ours (the latter get
 * UnknownOperationException, as AWS answers); anything else on `/` (another AWS service's target, such as
 * `AmazonSQS.*`) passes on to the next module.
 */
function isLogsCall(req: http.IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  if (target) return String(target).startsWith(TARGET_PREFIX);
  return (req.headers['content-type'] ?? '').startsWith('application/x-amz-json');
}

/** @param state log groups and streams; pass one in to share it or inspect it (tests). */
export function cloudwatchRouter(
  sink: IngestSink,
  state: CloudWatchState = new CloudWatchState(),
): express.Router {
  const router = express.Router();
  router.post(
    '/',
    (req, _res, next) => next(isLogsCall(req) ? undefined : 'route'),
    rawBodyParser(CLOUDWATCH_MAX_BODY),
    (req, res) => {
      const call = readAwsJsonCall(req, TARGET_PREFIX);
      const op = call.operation;
      const operation = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
      if (!operation) {
        sendError(
          res,
          'UnknownOperationException',
          `Unknown operation: ${req.get('x-amz-target') || '(no X-Amz-Target)'}`,
        );
        return;
      }
      if (!call.ok) {
        sendError(res, 'SerializationException', call.message);
        return;
      }
      const { input } = call;
      const batch = emptyBatch();
      const meta = {
        route: `/ ${TARGET_PREFIX}${op}`,
        bytes: call.bytes,
        contentType: req.get('content-type') ?? null,
      };
      try {
        const output = operation(input, state, batch);
        sink.accept('cloudwatch', meta, batch);
        send(res, 200, output);
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        sink.accept('cloudwatch', meta, batch);
        sendError(res, err.type, err.message);
      }
    },
  );

  // Body-parser failures (too large, bad encoding) answered like the service, not as an HTML page.
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; message?: string };
    const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 500;
    const type =
      status === 413
        ? 'RequestEntityTooLargeException'
        : status === 500
          ? 'ServiceUnavailableException'
          : 'SerializationException';
    sendError(res, type, e.message ?? 'request failed', status);
  });
  return router;
}

/**
 * CloudWatch Logs on the main port (the SDK client's `endpoint`). The drop-ack sandbox runs the real router
 * with a sink that only counts: winston-cloudwatch loops if DescribeLogStreams doesn't list the stream it just
 * created, so a canned answer would not do.
 */
export const cloudwatchIngest = defineIngestModule({
  vendors: ['cloudwatch'],
  mainPort: {
    routes: (ctx) => cloudwatchRouter(ctx.sink),
    dropAck: (count) => {
      const app = express();
      app.disable('x-powered-by');
      app.use(cloudwatchRouter({ accept: (_vendor, meta) => count('cloudwatch', meta.bytes) }));
      return {
        claims: (req, path) => req.method === 'POST' && path === '/' && isLogsCall(req),
        answer: (req, res) => app(req, res),
      };
    },
  },
  banner: ({ url }) => [['CloudWatch Logs', `${url}/`]],
});
