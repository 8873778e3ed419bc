/** Sentry through `@sentry/node`: envelopes with span streams or transactions, and error events. */
import type { VendorManifest } from './types';

export const sentry = {
  name: 'sentry',
  label: 'Sentry',
  signals: ['traces', 'errors'],
  sdk: { package: '@sentry/node', range: '^11.12.0' },
  env: {
    SENTRY_DSN: { description: 'Sentry DSN; set → events go to that project', credential: true },
    SENTRY_TRACE_LIFECYCLE: {
      description: '`stream` (default: span streaming) or `static` (classic transactions)',
    },
    SENTRY_ENVIRONMENT: { description: 'Sentry environment; default `bakeoff`' },
  },
  sdkEnvPrefixes: ['SENTRY_'],
  endpointChoice: '`SENTRY_DSN` set → that DSN; else a DSN on the sandbox (`/api/1/envelope/`).',
  sandboxIngest: 'sentry',
  conflicts: {},
  docs: 'docs/vendors/sentry.md',
  release: {
    setting: '`release` (what `SENTRY_RELEASE` sets)',
    sandboxAttributes: ['release', 'sentry.release'],
  },
} as const satisfies VendorManifest<'sentry'>;
