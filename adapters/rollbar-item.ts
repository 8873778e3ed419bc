/**
 * What a Rollbar item carries besides the exception: built from the facade's `ErrorContext` into the shapes
 * rollbar.js reads (https://docs.rollbar.com/docs/nodejs#usage, https://docs.rollbar.com/reference/create-item).
 */
import type { Attributes, ErrorContext } from './types';

/**
 * rollbar.js takes an argument as the request when it has one of these keys, so the custom-data object must
 * not have them at its top level (rollbar 3.1, `requestKeys` in server/rollbar.js).
 */
const REQUEST_KEYS = new Set(['headers', 'protocol', 'url', 'method', 'body', 'route']);

/** The request-shaped argument: rollbar.js fills `data.request`, `data.context` (the route) and `data.person`. */
export interface RollbarRequest {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  /** Read as Express's `req.route`: its path becomes the item's `context`, which Rollbar groups and filters by. */
  route?: { path: string };
  /** rollbar.js's hook for `data.person`; `id` is required, the handle is the app's user id. */
  rollbar_person?: { id: string };
}

/**
 * @param service stands in for the `Host` header when the context has none (the facade passes the path only),
 *                so Rollbar shows `http://activities/api/…` rather than `http://<no host>/api/…`.
 */
export function requestOf(context: ErrorContext, service: string): RollbarRequest | undefined {
  const { request } = context;
  if (!request) return undefined;
  return {
    method: request.method,
    url: request.url,
    headers: { host: service, ...request.headers },
    ...(request.route ? { route: { path: request.route } } : {}),
    ...(context.handle ? { rollbar_person: { id: context.handle } } : {}),
  };
}

/**
 * Attributes as nested custom data (`bakeoff.run_id` → `{bakeoff: {run_id}}`), the shape Rollbar shows as a
 * tree on the item page and that its search paths (`custom.bakeoff.run_id`) address. A key that would clash
 * with another (`a` and `a.b`) or with a request key stays flat.
 */
export function customOf(attributes: Attributes | undefined, service: string): Record<string, unknown> {
  const custom: Record<string, unknown> = { service };
  for (const [key, value] of Object.entries(attributes ?? {})) {
    const path = key.split('.');
    if (path.some((part) => part === '') || !setPath(custom, path, value)) custom[flatKey(key)] = value;
  }
  return custom;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): boolean {
  if (REQUEST_KEYS.has(path[0])) return false;
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node[part] = {};
    else if (typeof next !== 'object' || next === null) return false;
    node = node[part] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (node[last] !== undefined && typeof node[last] === 'object') return false;
  node[last] = value;
  return true;
}

function flatKey(key: string): string {
  return REQUEST_KEYS.has(key) ? `attribute.${key}` : key;
}
