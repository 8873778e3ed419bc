/**
 * Honeycomb through the upstream OpenTelemetry Node SDK: traces over OTLP/HTTP (protobuf), the way Honeycomb
 * documents it today (https://docs.honeycomb.io/send-data/javascript-nodejs/opentelemetry-sdk/).
 *
 * The Honeycomb OpenTelemetry distro (`@honeycombio/opentelemetry-node`) is archived, pins OpenTelemetry 1.x
 * and does not instrument Express 5, so it is deliberately not used: the distro only preset an endpoint and a
 * header, which this file does in plain sight.
 *
 * What you get per request: the HTTP server span (the root), Express's `request handler` span, the app's own
 * spans (handler, `db.query`, `chaos.latency`, `users.lookup`), an undici client
 * span for the `fetch` to the users service (its `traceparent` header joins the users service's spans to the
 * same trace) and, with PostgreSQL, a `pg` span per query. The SDK setup and the facade mapping are shared with
 * the other OTel-based adapters (adapters/otel/).
 */
import { egressOf } from './egress';
import { exportTimeoutMs, reportFirstFailure } from './otel/export';
import { otelFacade } from './otel/facade';
import { type OtelSdk, startOtelSdk } from './otel/sdk';
import type { Adapter, AdapterFactory, AdapterOptions, Destination } from './types';

/** Honeycomb's US ingest; EU teams set `HONEYCOMB_API_ENDPOINT=https://api.eu1.honeycomb.io`. */
export const HONEYCOMB_US_ENDPOINT = 'https://api.honeycomb.io';

interface HoneycombExport {
  /** Full OTLP traces URL. */
  url: string;
  /** `x-honeycomb-team`: the API key, or `sandbox` (the sandbox files it as vendor `honeycomb`, never stores it). */
  team: string;
  destination: Destination;
}

/**
 * Real Honeycomb when `HONEYCOMB_API_KEY` is set (`HONEYCOMB_API_ENDPOINT` picks the region), else the sandbox.
 * The printable destination never includes the key.
 */
export function resolveHoneycombExport(options: AdapterOptions): HoneycombExport {
  const key = options.env.HONEYCOMB_API_KEY;
  if (key) {
    const base = (options.env.HONEYCOMB_API_ENDPOINT || HONEYCOMB_US_ENDPOINT).replace(/\/+$/, '');
    const url = `${base}/v1/traces`;
    return { url, team: key, destination: { kind: 'vendor', endpoint: url } };
  }
  const url = `${options.sandboxUrl}/v1/traces`;
  return { url, team: 'sandbox', destination: { kind: 'sandbox', endpoint: url } };
}

export const createHoneycombAdapter: AdapterFactory = (options) => {
  const target = resolveHoneycombExport(options);
  let sdk: OtelSdk | undefined;

  const adapter: Adapter = {
    name: 'honeycomb',
    destination: target.destination,
    ...otelFacade(),

    async start() {
      // Loaded here, not at the top: only a chosen adapter loads its SDK.
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
      const exporter = new OTLPTraceExporter({
        url: target.url,
        headers: { 'x-honeycomb-team': target.team },
        timeoutMillis: exportTimeoutMs(options.env),
      });
      sdk = await startOtelSdk({
        serviceName: options.serviceName,
        serviceVersion: options.release,
        egress: egressOf(options),
        // Traces only: the app's logs go to the log adapters.
        spanExporter: reportFirstFailure('honeycomb', 'span', exporter),
      });
    },

    async flush(timeoutMs) {
      await sdk?.flush(timeoutMs);
    },

    async shutdown(timeoutMs) {
      await sdk?.shutdown(timeoutMs);
    },
  };
  return adapter;
};

createHoneycombAdapter.egress = (options) => [resolveHoneycombExport(options).url];
