/**
 * X-Ray's capture of `http`/`https`, minus vendor egress. `captureHTTPsGlobal` (aws-xray-sdk-core 3.x) has no
 * ignore option: every `http.request` made while a segment is current becomes a `remote` subsegment of it,
 * including the uploads other SDKs run from timers that a request's context armed (adapters/egress.ts). Such a
 * subsegment outlives the response, so the segment's trace stretches by the upload's time.
 *
 * This puts a filter in front of the SDK's patch: a call to a vendor endpoint goes straight to the function the
 * SDK wrapped (it keeps it as `module.__request` / `module.__get`), everything else through the capture.
 */
import type * as XRay from 'aws-xray-sdk-core';
import type { RequestTarget, VendorEgress } from './egress';

type RequestFn = (...args: unknown[]) => unknown;
interface CapturedModule {
  request: RequestFn;
  get: RequestFn;
  /** Set by `captureHTTPsGlobal`: the functions it wrapped. */
  __request?: RequestFn;
  __get?: RequestFn;
  globalAgent?: { protocol?: string };
}

/** `captureHTTPsGlobal(module, true)`, except for calls to `egress`. */
export function captureHttpGlobalExcept(
  xray: typeof XRay,
  module: typeof import('node:http') | typeof import('node:https'),
  egress: VendorEgress,
): void {
  const target = module as unknown as CapturedModule;
  // true: the callee is traced too (the users service), so the console waits for its segment.
  xray.captureHTTPsGlobal(module as never, true);
  const { request: capturedRequest, get: capturedGet, __request: plainRequest, __get: plainGet } = target;
  if (!plainRequest || !plainGet) return;
  const defaultProtocol = target.globalAgent?.protocol ?? 'http:';
  const toEgress = (args: unknown[]) => isEgressCall(args, defaultProtocol, egress);
  target.request = function request(this: unknown, ...args: unknown[]) {
    return (toEgress(args) ? plainRequest : capturedRequest).apply(this, args);
  };
  target.get = function get(this: unknown, ...args: unknown[]) {
    return (toEgress(args) ? plainGet : capturedGet).apply(this, args);
  };
}

/** `request(url[, options][, callback])` or `request(options[, callback])`: options win over the URL. */
function isEgressCall(args: unknown[], defaultProtocol: string, egress: VendorEgress): boolean {
  const [first, second] = args;
  const options = typeof second === 'object' && second !== null ? (second as RequestTarget) : {};
  let base: RequestTarget = {};
  if (typeof first === 'string' || first instanceof URL) {
    try {
      const url = new URL(first);
      base = { protocol: url.protocol, hostname: url.hostname, port: url.port };
    } catch {
      return false; // http.request throws its own error for it
    }
  } else if (typeof first === 'object' && first !== null) {
    base = first as RequestTarget;
  }
  return egress.includesRequest({ ...base, ...options }, defaultProtocol);
}
