/**
 * X-Ray capture for the global `fetch` (undici). `aws-xray-sdk-core` 3.x only patches the `http`/`https`
 * modules, and Node's `fetch` does not go through them, so without this the call to the users service would
 * be invisible and its segment would start a trace of its own. AWS ships the same idea as the separate
 * `aws-xray-sdk-fetch` package; this is the few lines it takes, written against core's public API: a `remote`
 * subsegment per call with an `http` block, and the `X-Amzn-Trace-Id` header that joins the callee's segment to
 * it (https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader).
 */
import type * as XRay from 'aws-xray-sdk-core';
import type { VendorEgress } from './egress';

export const TRACE_HEADER = 'X-Amzn-Trace-Id';

/**
 * Installs the capture (calls to `egress`, vendor uploads, are left alone); returns a function that puts the
 * original `fetch` back.
 */
export function captureFetchGlobal(xray: typeof XRay, egress: VendorEgress): () => void {
  const original = globalThis.fetch;

  const traced: typeof fetch = async (input, init) => {
    const parent = xray.getSegment();
    const url = urlOf(input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    // Outside a request, on an unparseable URL (fetch raises its own error), already traced, or a vendor
    // upload: leave it alone.
    if (!parent || !url || headers.has(TRACE_HEADER) || egress.includesUrl(url)) return original(input, init);

    const subsegment = parent.notTraced
      ? parent.addNewSubsegmentWithoutSampling(url.hostname)
      : parent.addNewSubsegment(url.hostname);
    // `remote` makes the callee its own node on the service map.
    subsegment.namespace = 'remote';
    const sampled = subsegment.notTraced ? '0' : '1';
    headers.set(
      TRACE_HEADER,
      `Root=${subsegment.segment.trace_id};Parent=${subsegment.id};Sampled=${sampled}`,
    );
    const request = {
      url: `${url.origin}${url.pathname}`,
      method: (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
      // The callee is traced too: the console waits for its segment rather than drawing an inferred node.
      traced: true,
    };

    let response: Response;
    try {
      response = await original(input, { ...init, headers });
    } catch (error) {
      subsegment.addAttribute('http', { request });
      subsegment.close(error as Error, true);
      throw error;
    }
    const length = response.headers.get('content-length');
    subsegment.addAttribute('http', {
      request,
      response: { status: response.status, ...(length ? { content_length: Number(length) } : {}) },
    });
    if (response.status === 429) subsegment.addThrottleFlag();
    const cause = xray.utils.getCauseTypeFromHttpStatus(response.status);
    if (cause === 'fault') subsegment.addFaultFlag();
    else if (cause === 'error') subsegment.addErrorFlag();
    subsegment.close();
    return response;
  };

  globalThis.fetch = traced;
  return () => {
    if (globalThis.fetch === traced) globalThis.fetch = original;
  };
}

function urlOf(input: Parameters<typeof fetch>[0]): URL | undefined {
  try {
    return new URL(input instanceof Request ? input.url : String(input));
  } catch {
    return undefined;
  }
}
