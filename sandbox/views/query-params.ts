/**
 * Query-string parsing shared by the view APIs (sandbox/views/*-api.ts): every bad value becomes a `QueryError`,
 * which the API's error handler answers as a 400 naming the parameter.
 */
import { SANDBOX_VENDORS, type SandboxVendor } from '../model';

export class QueryError extends Error {
  readonly status = 400;
}

export type RawQuery = Record<string, unknown>;

/** A parameter given at most once; '' counts as absent. */
export function one(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new QueryError(`query parameter "${name}" must be given once`);
  return value === '' ? undefined : value;
}

/** A parameter that may repeat (`attr=a%3D1&attr=b%3D2`); empty values are dropped. */
export function many(query: RawQuery, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string'))
    throw new QueryError(`query parameter "${name}" must be plain text`);
  return (list as string[]).filter((v) => v !== '');
}

export function vendorOf(query: RawQuery, name = 'vendor'): SandboxVendor | undefined {
  const value = one(query, name);
  if (value === undefined) return undefined;
  if (!(SANDBOX_VENDORS as readonly string[]).includes(value))
    throw new QueryError(`${name} "${value}" is not one of ${SANDBOX_VENDORS.join(', ')}`);
  return value as SandboxVendor;
}

/** A non-negative number (durations may be fractional: `minMs=0.5`). */
export function numberOf(query: RawQuery, name: string): number | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n))
    throw new QueryError(`query parameter "${name}" must be a number ≥ 0, got "${raw}"`);
  return n;
}

export function intOf(query: RawQuery, name: string, min: number, max: number): number | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
    throw new QueryError(`query parameter "${name}" must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

export function choiceOf<T extends string>(
  query: RawQuery,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw))
    throw new QueryError(`query parameter "${name}" must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** `1`/`true` → true, `0`/`false`/absent → false. */
export function flagOf(query: RawQuery, name: string): boolean {
  const raw = one(query, name);
  if (raw === undefined || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new QueryError(`query parameter "${name}" must be 1 or 0, got "${raw}"`);
}

export interface KeyValue {
  key: string;
  value: string;
}

/** `key=value` (the first `=` splits; spaces around either side are trimmed): `app.user_handle = ada`. */
export function keyValuesOf(query: RawQuery, name: string): KeyValue[] {
  return many(query, name).map((raw) => {
    const at = raw.indexOf('=');
    const key = at === -1 ? '' : raw.slice(0, at).trim();
    if (!key)
      throw new QueryError(
        `query parameter "${name}" must be key=value, e.g. ${name}=app.user_handle%3Dada, got "${raw}"`,
      );
    return { key, value: raw.slice(at + 1).trim() };
  });
}

/** Opaque paging cursors: base64url JSON, so a client passes them back untouched. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(query: RawQuery, check: (value: unknown) => value is T): T | undefined {
  const raw = one(query, 'cursor');
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!check(value))
    throw new QueryError('query parameter "cursor" is not one this API gave out: start again without it');
  return value;
}
