/** HTTP errors as JSON: clear 4xx messages, and 500s that never leak a stack trace. */
import type { ErrorRequestHandler, RequestHandler } from 'express';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra, safe-to-show fields for the JSON body. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Body-parser's error types, mapped to what the client did wrong. */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.parse.failed': { status: 400, message: 'Request body is not valid JSON' },
  'entity.too.large': { status: 413, message: 'Request body is too large' },
  'encoding.unsupported': { status: 415, message: 'Unsupported content encoding' },
  'charset.unsupported': { status: 415, message: 'Unsupported charset: send UTF-8 JSON' },
  'request.aborted': { status: 400, message: 'Request aborted' },
  'entity.verify.failed': { status: 400, message: 'Request body is not valid UTF-8' },
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `No route for ${req.method} ${req.path}`));
};

/** Status and client-safe message for any thrown value. */
export function describeError(error: unknown): {
  status: number;
  message: string;
  details?: Record<string, unknown>;
} {
  if (error instanceof HttpError)
    return { status: error.status, message: error.message, details: error.details };
  const type = (error as { type?: string } | null)?.type;
  if (type && BODY_ERRORS[type]) return BODY_ERRORS[type];
  const status = Number((error as { status?: number } | null)?.status);
  if (status >= 400 && status < 500) return { status, message: (error as Error).message || 'Bad request' };
  return { status: 500, message: 'Internal server error' };
}

export const jsonErrorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  const { status, message, details } = describeError(error);
  if (res.headersSent) return;
  res.status(status).json({ error: message, status, ...details });
};
