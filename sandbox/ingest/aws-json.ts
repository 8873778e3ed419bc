/**
 * What CloudWatch Logs and SQS share on the sandbox's main port: both speak AWS's JSON protocol on `POST /`,
 * the operation named by `X-Amz-Target: <prefix><Operation>` and its input a JSON object. This reads both, so
 * each emulator only maps operations and shapes its own errors (the two services spell them differently).
 */
import type express from 'express';
import { isObject, type JsonObject } from './json-fields';

export type AwsJsonCall =
  | { ok: true; operation: string; input: JsonObject; bytes: number }
  /** Always a SerializationException in both services. */
  | { ok: false; operation: string; message: string };

/** The operation after `targetPrefix` ('' when the target is missing or names another service), and the input. */
export function readAwsJsonCall(req: express.Request, targetPrefix: string): AwsJsonCall {
  const target = req.get('x-amz-target') ?? '';
  const operation = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
  const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let input: unknown;
  try {
    input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, operation, message: `Request body is not valid JSON: ${(err as Error).message}` };
  }
  if (!isObject(input)) return { ok: false, operation, message: 'Request body must be a JSON object' };
  return { ok: true, operation, input, bytes: raw.length };
}
