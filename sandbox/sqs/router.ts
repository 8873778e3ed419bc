/**
 * SQS's JSON 1.0 protocol on the sandbox's main port, as the AWS SDK v3 client speaks it: `POST /` with
 * `X-Amz-Target: AmazonSQS.<Operation>` and an `application/x-amz-json-1.0` body. CloudWatch Logs shares the
 * path (`Logs_20140328.*`); requests are told apart by that target prefix alone. The SigV4 Authorization header
 * is never read or stored. Errors are SQS's: status, `x-amzn-query-error` and `{__type, message}`.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import express from 'express';
import { rawBodyParser } from '../ingest/body';
import { readAwsJsonCall } from '../ingest/aws-json';
import { SqsError } from './errors';
import type { LongPoll } from './long-poll';
import { OPERATIONS } from './operations';
import type { SqsState } from './state';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Ten 256 KiB messages, with room for JSON escaping. */
export const SQS_MAX_BODY = 4 * 1024 * 1024;

/** True for a request the SQS emulator answers: what the app's egress filter must tell apart from telemetry. */
export const isSqsRequest = (req: http.IncomingMessage): boolean =>
  req.method === 'POST' && String(req.headers['x-amz-target'] ?? '').startsWith(SQS_TARGET_PREFIX);

function send(res: express.Response, status: number, body: object): void {
  res.status(status).set('x-amzn-RequestId', randomUUID()).type(CONTENT_TYPE).send(JSON.stringify(body));
}

function sendError(res: express.Response, err: SqsError): void {
  res.set('x-amzn-query-error', err.queryError);
  send(res, err.status, err.toJson());
}

export interface SqsRouterOptions {
  state: SqsState;
  longPoll: LongPoll;
  /** Every answer still being worked on (long polls): the module waits for them when the sandbox closes. */
  pending: Set<Promise<void>>;
}

export function sqsRouter({ state, longPoll, pending }: SqsRouterOptions): express.Router {
  const router = express.Router();
  router.post(
    '/',
    (req, _res, next) => next(isSqsRequest(req) ? undefined : 'route'),
    rawBodyParser(SQS_MAX_BODY),
    (req, res) => {
      const call = readAwsJsonCall(req, SQS_TARGET_PREFIX);
      const op = call.operation;
      const operation = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
      if (!operation) {
        sendError(
          res,
          new SqsError('InvalidAction', `The action ${op || '(none)'} is not valid for this endpoint.`),
        );
        return;
      }
      if (!call.ok) {
        sendError(res, new SqsError('SerializationException', call.message));
        return;
      }
      const { input } = call;
      const traceHeader = req.get('x-amzn-trace-id');
      const ctx = {
        state,
        longPoll,
        origin: `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`,
        ...(traceHeader ? { traceHeader } : {}),
        onAbort: (fn: () => void) =>
          res.on('close', () => {
            if (!res.writableEnded) fn();
          }),
      };
      const answered = (async () => {
        try {
          send(res, 200, await operation(input, ctx));
        } catch (err) {
          sendError(
            res,
            err instanceof SqsError
              ? err
              : new SqsError(
                  'InternalFailure',
                  'The request processing has failed because of an unknown error.',
                ),
          );
        }
      })();
      pending.add(answered);
      void answered.finally(() => pending.delete(answered));
    },
  );

  // Body-reader failures (too large, bad encoding) answered as SQS errors, not as an HTML page.
  router.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent || !isSqsRequest(req)) return next(err);
    const e = err as { status?: number; message?: string };
    const shape =
      e.status === 413
        ? 'RequestEntityTooLarge'
        : e.status === 415
          ? 'UnsupportedMediaType'
          : e.status === 400
            ? 'SerializationException'
            : 'InternalFailure';
    sendError(res, new SqsError(shape, e.message ?? 'request failed'));
  });
  return router;
}
