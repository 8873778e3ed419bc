/** `none`: the baseline. No SDK, no variables, nothing sent. */
import type { VendorManifest } from './types';

export const none = {
  name: 'none',
  label: 'Baseline (no telemetry)',
  signals: [],
  sdk: null,
  env: {},
  sdkEnvPrefixes: [],
  endpointChoice: 'Sends nothing anywhere.',
  sandboxIngest: null,
  conflicts: {},
  docs: null,
  release: null,
} as const satisfies VendorManifest<'none'>;
