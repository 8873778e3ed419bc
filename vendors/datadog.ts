/** Datadog APM through `dd-trace`, which reports to a Datadog Agent. */
import type { VendorManifest } from './types';

export const datadog = {
  name: 'datadog',
  label: 'Datadog',
  signals: ['traces', 'errors'],
  sdk: { package: 'dd-trace', range: '^6.21.0' },
  env: {
    DD_API_KEY: { description: 'Datadog API key (for an agent of your own)', credential: true },
    DD_AGENT_HOST: { description: 'Datadog Agent host; set → the agent forwards to Datadog', endpoint: true },
    DD_TRACE_AGENT_PORT: { description: 'Datadog Agent trace port; default 8126', endpoint: true },
    DD_TRACE_AGENT_URL: { description: 'Datadog Agent URL; wins over host and port', endpoint: true },
    DD_ENV: { description: 'Datadog `env` facet; default `bakeoff`' },
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: {
      description: 'dd-trace’s own telemetry; off against the sandbox',
    },
    DD_REMOTE_CONFIGURATION_ENABLED: {
      description: 'dd-trace’s remote config polling; off against the sandbox',
    },
  },
  sdkEnvPrefixes: ['DD_'],
  endpointChoice:
    '`DD_TRACE_AGENT_URL`, else `DD_AGENT_HOST`:`DD_TRACE_AGENT_PORT`, else the sandbox host’s agent on :8126; ' +
    '`DD_API_KEY` or `DD_AGENT_HOST` set means the data goes to Datadog.',
  sandboxIngest: 'datadog',
  conflicts: {
    honeycomb:
      'dd-trace and OpenTelemetry both patch http and both write `traceparent`, so each breaks the other’s trace tree',
  },
  docs: 'docs/vendors/datadog.md',
  release: { setting: '`version` (what `DD_VERSION` sets)', sandboxAttributes: ['version'] },
} as const satisfies VendorManifest<'datadog'>;
