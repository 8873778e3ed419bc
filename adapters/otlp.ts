/**
 * Any OTLP/HTTP backend — an OpenTelemetry Collector, Jaeger, Grafana Tempo, Grafana Cloud — through the upstream
 * OpenTelemetry Node SDK, configured the way every OTel SDK is: by the standard `OTEL_EXPORTER_OTLP_*` variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/). Traces, with exceptions as span events, and
 * the app's log lines as OTel log records correlated with them. Unconfigured, both go to the sandbox.
 *
 * The spec's rules, applied here so the start-up line and the egress list know the URLs: a per-signal endpoint
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is used as is; the base one (`OTEL_EXPORTER_OTLP_ENDPOINT`) gets
 * `/v1/traces` or `/v1/logs` appended; headers are `key=value` pairs, comma-separated, values URL-encoded, and a
 * per-signal list adds to (and overrides) the base one.
 */
import { context, SeverityNumber, trace, TraceFlags, logs } from '@opentelemetry/api';
import { BakeoffError } from '../config/errors';
import { egressOf } from './egress';
import { exportTimeoutMs, reportFirstFailure } from './otel/export';
import { otelFacade } from './otel/facade';
import { type OtelSdk, startOtelSdk } from './otel/sdk';
import type { Adapter, AdapterFactory, AdapterOptions, Destination, LogEntry } from './types';

type Signal = 'traces' | 'logs';
type Env = AdapterOptions['env'];

export interface OtlpExport {
  traces: { url: string; headers: Record<string, string> };
  logs: { url: string; headers: Record<string, string> };
  /** `http/protobuf` or `http/json` (`OTEL_EXPORTER_OTLP_PROTOCOL`, per signal too). */
  protocol: Record<Signal, 'http/protobuf' | 'http/json'>;
  destination: Destination;
}

/** The signal's URL from the spec's variables, or undefined when none is set (→ the sandbox). */
function endpointOf(env: Env, signal: Signal): string | undefined {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/${signal}` : undefined;
}

/** `a=1,b=x%20y` → `{a: '1', b: 'x y'}`. A malformed entry stops the start, naming its place, never its value. */
export function parseOtlpHeaders(variable: string, value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!value) return headers;
  value.split(',').forEach((entry, i) => {
    if (!entry.trim()) return;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    let decoded: string | undefined;
    try {
      decoded = eq > 0 ? decodeURIComponent(entry.slice(eq + 1).trim()) : undefined;
    } catch {
      decoded = undefined;
    }
    if (!key || decoded === undefined) {
      throw new BakeoffError(
        'BAKEOFF_ERR_INVALID_ENV',
        `${variable}: entry ${i + 1} is not key=value with a URL-encoded value (e.g. authorization=Basic%20…)`,
      );
    }
    headers[key.toLowerCase()] = decoded;
  });
  return headers;
}

function protocolOf(env: Env, signal: Signal): 'http/protobuf' | 'http/json' {
  const variable = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`]
    ? `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = env[variable] || 'http/protobuf';
  if (value === 'http/protobuf' || value === 'http/json') return value;
  throw new BakeoffError(
    'BAKEOFF_ERR_INVALID_ENV',
    `${variable}=${value} is not supported: the otlp adapter speaks OTLP/HTTP, so use http/protobuf (the ` +
      'default) or http/json, e.g. a collector’s port 4318.',
  );
}

/** Where each signal goes, with which headers; the printable destination never holds a header value. */
export function resolveOtlpExport(options: AdapterOptions): OtlpExport {
  const { env } = options;
  const target = (signal: Signal) => {
    const url = endpointOf(env, signal);
    if (!url) return { url: `${options.sandboxUrl}/v1/${signal}`, headers: {}, real: false };
    const upper = signal.toUpperCase();
    return {
      url,
      headers: {
        ...parseOtlpHeaders('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
        ...parseOtlpHeaders(
          `OTEL_EXPORTER_OTLP_${upper}_HEADERS`,
          env[`OTEL_EXPORTER_OTLP_${upper}_HEADERS`],
        ),
      },
      real: true,
    };
  };
  const traces = target('traces');
  const logsTarget = target('logs');
  const real = traces.real || logsTarget.real;
  return {
    traces: { url: traces.url, headers: traces.headers },
    logs: { url: logsTarget.url, headers: logsTarget.headers },
    protocol: { traces: protocolOf(env, 'traces'), logs: protocolOf(env, 'logs') },
    destination: {
      kind: real ? 'vendor' : 'sandbox',
      endpoint: traces.url === logsTarget.url ? traces.url : `${traces.url} + ${logsTarget.url}`,
    },
  };
}

const SEVERITY: Record<LogEntry['level'], SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

/** Log fields become attributes; objects are JSON, as on spans. */
function logAttributes(fields: Record<string, unknown>): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    attributes[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value);
  }
  return attributes;
}

export const createOtlpAdapter: AdapterFactory = (options) => {
  const target = resolveOtlpExport(options);
  const facade = otelFacade();
  let sdk: OtelSdk | undefined;

  const adapter: Adapter = {
    name: 'otlp',
    destination: target.destination,
    ...facade,

    async start() {
      // The exporters honour the rest of the spec's variables themselves (`OTEL_EXPORTER_OTLP_COMPRESSION`,
      // certificates); the SDK reads `OTEL_RESOURCE_ATTRIBUTES`, and otel/sdk.ts the `OTEL_BSP_*`/`OTEL_BLRP_*`.
      const json = (signal: Signal) => target.protocol[signal] === 'http/json';
      const { OTLPTraceExporter } = json('traces')
        ? await import('@opentelemetry/exporter-trace-otlp-http')
        : await import('@opentelemetry/exporter-trace-otlp-proto');
      const { OTLPLogExporter } = json('logs')
        ? await import('@opentelemetry/exporter-logs-otlp-http')
        : await import('@opentelemetry/exporter-logs-otlp-proto');
      const spanExporter = new OTLPTraceExporter({
        ...target.traces,
        timeoutMillis: exportTimeoutMs(options.env, 'TRACES'),
      });
      const logExporter = new OTLPLogExporter({
        ...target.logs,
        timeoutMillis: exportTimeoutMs(options.env, 'LOGS'),
      });
      sdk = await startOtelSdk({
        // `OTEL_SERVICE_NAME` wins, as the spec says; it names both services alike, so set it per process.
        serviceName: options.env.OTEL_SERVICE_NAME || options.serviceName,
        serviceVersion: options.release,
        egress: egressOf(options),
        spanExporter: reportFirstFailure('otlp', 'span', spanExporter),
        logExporter: reportFirstFailure('otlp', 'log', logExporter),
      });
    },

    log(entry) {
      const { trace_id: traceId, span_id: spanId, ...fields } = entry.fields;
      // The line is written when the response has finished, outside the request's context: the ids the facade
      // captured while the request was active make it the request's log record again.
      const ids = {
        traceId: String(traceId ?? ''),
        spanId: String(spanId ?? ''),
        traceFlags: TraceFlags.SAMPLED,
      };
      const ctx = trace.isSpanContextValid(ids)
        ? trace.setSpanContext(context.active(), ids)
        : context.active();
      logs.getLogger('bakeoff').emit({
        timestamp: entry.timestamp,
        severityNumber: SEVERITY[entry.level],
        severityText: entry.level.toUpperCase(),
        body: entry.message,
        attributes: logAttributes(fields),
        context: ctx,
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

createOtlpAdapter.egress = (options) => {
  const { traces, logs: logsTarget } = resolveOtlpExport(options);
  return [traces.url, logsTarget.url];
};
