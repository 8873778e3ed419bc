/**
 * Any OTLP/HTTP backend (an OpenTelemetry Collector, Jaeger, Tempo, Grafana Cloud, …) through the upstream
 * OpenTelemetry Node SDK, configured by the standard `OTEL_EXPORTER_OTLP_*` variables
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/).
 */
import type { VendorManifest } from './types';

const OTEL_VS_DD =
  'dd-trace and OpenTelemetry both patch http and both write `traceparent`, so each breaks the other’s trace tree';

export const otlp = {
  name: 'otlp',
  label: 'OTLP',
  signals: ['traces', 'errors', 'logs'],
  sdk: { package: '@opentelemetry/sdk-node', range: '^0.301.0' },
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: {
      description: 'OTLP/HTTP base URL (`/v1/traces`, `/v1/logs` appended); set → data goes there',
      endpoint: true,
    },
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { description: 'full OTLP traces URL, used as is', endpoint: true },
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: { description: 'full OTLP logs URL, used as is', endpoint: true },
    OTEL_EXPORTER_OTLP_HEADERS: {
      description: 'request headers, `key=value,key2=value2` (e.g. `authorization=Basic …`)',
      credential: true,
    },
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: { description: 'headers for traces only', credential: true },
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: { description: 'headers for logs only', credential: true },
    OTEL_EXPORTER_OTLP_PROTOCOL: { description: '`http/protobuf` (default) or `http/json`' },
  },
  sdkEnvPrefixes: ['OTEL_'],
  endpointChoice:
    '`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`/`_LOGS_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + ' +
    '`/v1/traces`, `/v1/logs`; none set → the sandbox, which files header-less OTLP as `otlp`.',
  sandboxIngest: 'otlp',
  conflicts: {
    honeycomb: 'both start the OpenTelemetry SDK, and a process has one global tracer provider',
    datadog: OTEL_VS_DD,
  },
  docs: 'docs/vendors/otlp.md',
  release: { setting: 'resource attribute `service.version`', sandboxAttributes: ['service.version'] },
} as const satisfies VendorManifest<'otlp'>;
