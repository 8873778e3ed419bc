/**
 * AWS X-Ray through OpenTelemetry, AWS's recommended path since the X-Ray SDK entered maintenance: X-Ray trace
 * ids and propagation, OTLP to X-Ray's SigV4-signed OTLP endpoint.
 */
import { AWS_ENV } from './aws-env';
import type { VendorManifest } from './types';

const TWO_OTEL_SDKS = 'both start the OpenTelemetry SDK, and a process has one global tracer provider';

export const xrayOtel = {
  name: 'xray-otel',
  label: 'AWS X-Ray (OpenTelemetry)',
  signals: ['traces', 'errors'],
  sdk: { package: '@opentelemetry/sdk-node', range: '^0.301.0' },
  env: { ...AWS_ENV },
  sdkEnvPrefixes: ['AWS_', 'OTEL_'],
  endpointChoice:
    'AWS credentials (`AWS_ACCESS_KEY_ID` or `AWS_PROFILE`) or `AWS_REGION` (an instance role) → ' +
    '`https://xray.<region>.amazonaws.com/v1/traces`, SigV4-signed with the default credential chain; else the ' +
    'sandbox `/v1/traces`, signed with fake credentials.',
  sandboxIngest: 'otlp',
  conflicts: {
    honeycomb: TWO_OTEL_SDKS,
    otlp: TWO_OTEL_SDKS,
    xray: 'both write `X-Amzn-Trace-Id` on outgoing calls, so the next service would continue one trace or the other',
    datadog:
      'dd-trace and OpenTelemetry both patch http and both write `traceparent`, so each breaks the other’s trace tree',
  },
  docs: 'docs/vendors/xray-otel.md',
  release: { setting: 'resource attribute `service.version`', sandboxAttributes: ['service.version'] },
} as const satisfies VendorManifest<'xray-otel'>;
