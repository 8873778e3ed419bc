/** Honeycomb through the upstream OpenTelemetry Node SDK over OTLP/HTTP. */
import type { VendorManifest } from './types';

export const honeycomb = {
  name: 'honeycomb',
  label: 'Honeycomb',
  signals: ['traces', 'errors'],
  sdk: { package: '@opentelemetry/sdk-node', range: '^0.301.0' },
  env: {
    HONEYCOMB_API_KEY: {
      description: 'Honeycomb ingest key (`x-honeycomb-team`); set → traces go to Honeycomb',
      credential: true,
    },
    HONEYCOMB_API_ENDPOINT: {
      description: 'Honeycomb API base URL (EU: https://api.eu1.honeycomb.io); default US',
      endpoint: true,
    },
  },
  sdkEnvPrefixes: ['OTEL_'],
  endpointChoice:
    '`HONEYCOMB_API_KEY` set → `HONEYCOMB_API_ENDPOINT` (default US) /v1/traces; else the sandbox /v1/traces.',
  sandboxIngest: 'otlp',
  conflicts: {},
  docs: 'docs/vendors/honeycomb.md',
  release: { setting: 'resource attribute `service.version`', sandboxAttributes: ['service.version'] },
} as const satisfies VendorManifest<'honeycomb'>;
