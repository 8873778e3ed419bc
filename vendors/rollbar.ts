/** Rollbar through `rollbar`: error and warning items. */
import type { VendorManifest } from './types';

export const rollbar = {
  name: 'rollbar',
  label: 'Rollbar',
  signals: ['errors'],
  sdk: { package: 'rollbar', range: '^3.1.0' },
  env: {
    ROLLBAR_ACCESS_TOKEN: {
      description: 'Rollbar project access token (post_server_item); set → items go to Rollbar',
      credential: true,
    },
    ROLLBAR_ENVIRONMENT: { description: 'Rollbar environment; default `bakeoff`' },
  },
  sdkEnvPrefixes: ['ROLLBAR_'],
  endpointChoice: '`ROLLBAR_ACCESS_TOKEN` set → api.rollbar.com; else the sandbox `/api/1/item/`.',
  sandboxIngest: 'rollbar',
  conflicts: {},
  docs: 'docs/vendors/rollbar.md',
  release: { setting: '`code_version` (the `codeVersion` option)', sandboxAttributes: ['code_version'] },
} as const satisfies VendorManifest<'rollbar'>;
