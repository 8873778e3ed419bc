/**
 * Per-request correlation: reads `x-bakeoff-run` / `x-bakeoff-seq`, stamps them on the request's root span in
 * every vendor, and writes one structured log line when the response is done.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Telemetry } from './facade';
import type { Logger } from './logger';

export const RUN_HEADER = 'x-bakeoff-run';
export const SEQ_HEADER = 'x-bakeoff-seq';

export interface RequestCorrelation {
  runId: string | undefined;
  seq: number | undefined;
}

const RUN_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Malformed correlation headers are ignored rather than rejected: they are the harness's, not the user's. */
export function readCorrelation(req: IncomingMessage): RequestCorrelation {
  // Node lower-cases header names, as these are: no need for Express's `req.get` and its case folding.
  const run = req.headers[RUN_HEADER] as string | undefined;
  const seqText = req.headers[SEQ_HEADER] as string | undefined;
  const seq = seqText !== undefined && /^\d{1,9}$/.test(seqText) ? Number(seqText) : undefined;
  return { runId: run && RUN_ID.test(run) ? run : undefined, seq };
}

/** This request's correlation, read from its headers on first use and kept for the rest of the request. */
export function correlationOf(res: Response): RequestCorrelation {
  let correlation = res.locals.correlation as RequestCorrelation | undefined;
  if (correlation === undefined) {
    correlation = readCorrelation(res.req);
    res.locals.correlation = correlation;
  }
  return correlation;
}

/** The headers to pass on to the users service so its spans carry the same run and seq. */
export function correlationHeaders(correlation: RequestCorrelation): Record<string, string> {
  const headers: Record<string, string> = {};
  if (correlation.runId) headers[RUN_HEADER] = correlation.runId;
  if (correlation.seq !== undefined) headers[SEQ_HEADER] = String(correlation.seq);
  return headers;
}

/**
 * The request's start: correlation onto the root span, and the request log line when it is done. Undefined
 * (nothing to mount) when no adapter takes annotations and nobody reads the log, as with `none` and `--quiet`:
 * a layer that does nothing still costs every request Express's dispatch, and `correlationOf` reads the
 * headers by itself when a route asks.
 */
export function requestContext(telemetry: Telemetry, logger: Logger): RequestHandler | undefined {
  if (!telemetry.annotating && logger.silent) return undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const correlation = correlationOf(res);
    if (correlation.runId) telemetry.annotate('bakeoff.run_id', correlation.runId, 'root');
    if (correlation.seq !== undefined) telemetry.annotate('bakeoff.seq', correlation.seq, 'root');
    if (logger.silent) return next();
    // Captured now, while the request's root span is the active one in every vendor.
    const traceIds = telemetry.traceContext();
    res.on('finish', () => {
      const route =
        (res.locals.route as string | undefined) ?? `${req.method} ${req.route?.path ?? req.path}`;
      logger.log({
        level: res.statusCode >= 500 ? 'error' : 'info',
        message: `${route} ${res.statusCode}`,
        'http.method': req.method,
        'http.route': route,
        'http.status_code': res.statusCode,
        'http.duration_ms': Math.round((performance.now() - started) * 100) / 100,
        ...(correlation.runId ? { 'bakeoff.run_id': correlation.runId } : {}),
        ...(correlation.seq !== undefined ? { 'bakeoff.seq': correlation.seq } : {}),
        ...traceIds,
      });
    });
    next();
  };
}
