/** JSON request bodies: UTF-8 only, small, and parsed strictly; anything else is a clear 4xx. */
import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { HttpError } from './errors';

/** Posts are at most 280 characters; 16 kB leaves room for JSON escaping and nothing else. */
export const BODY_LIMIT = '16kb';

const parse = express.json({
  limit: BODY_LIMIT,
  strict: true,
  verify: (_req, _res, buf) => {
    if (!isUtf8(buf)) throw Object.assign(new Error('Request body is not valid UTF-8'), { status: 400 });
  },
});

export const jsonBody: RequestHandler = (req, res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    return next(new HttpError(415, 'Content-Type must be application/json'));
  }
  parse(req, res, next);
};
