/** JSON request bodies: UTF-8 only, small, and parsed strictly; anything else is a clear 4xx. */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
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

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** JSON is UTF-8 (RFC 8259 §8.1): a declared charset may only say so. */
function declaresOtherCharset(contentType: string | undefined): boolean {
  const charset = contentType?.match(CHARSET)?.[1];
  return charset !== undefined && !/^utf-?8$/i.test(charset);
}

/** Whether the request carries a body at all; most are GETs without one. */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * The JSON gate. Safe to pass twice: a body already read is not read again (body-parser skips a finished
 * request), and the checks before it give the same answer both times.
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  // Without a body there is nothing to check or parse (req.body stays undefined).
  if (!hasBody(req)) return next();
  if (!req.is('application/json')) return next(new HttpError(415, 'Content-Type must be application/json'));
  // The parser would decode UTF-16 and others; the README promises UTF-8 only.
  if (declaresOtherCharset(req.headers['content-type']))
    return next(new HttpError(415, 'Unsupported charset: send UTF-8 JSON (charset=utf-8, or none)'));
  parse(req, res, next);
};
