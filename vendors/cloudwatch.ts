/** CloudWatch Logs through `winston` + `winston-cloudwatch` (AWS SDK v3). */
import { AWS_ENV } from './aws-env';
import type { VendorManifest } from './types';

export const cloudwatch = {
  name: 'cloudwatch',
  label: 'CloudWatch Logs',
  signals: ['logs'],
  sdk: { package: 'winston-cloudwatch', range: '^6.3.0' },
  env: {
    ...AWS_ENV,
    CLOUDWATCH_LOG_GROUP: { description: 'log group; default `/bakeoff/<service>`' },
    CLOUDWATCH_LOG_STREAM: { description: 'log stream; default `<service>-<host>-<pid>`' },
    CLOUDWATCH_RETENTION_DAYS: { description: 'retention of a group bakeoff creates; default 7' },
  },
  sdkEnvPrefixes: ['AWS_'],
  endpointChoice:
    'AWS credentials (`AWS_ACCESS_KEY_ID` or `AWS_PROFILE`), or `AWS_REGION` with `CLOUDWATCH_LOG_GROUP` ' +
    '(an instance role) → CloudWatch Logs in that region; else the sandbox with fake credentials.',
  sandboxIngest: 'cloudwatch',
  conflicts: {},
  docs: 'docs/vendors/cloudwatch.md',
  // Log lines carry no release field; PutLogEvents has none.
  release: null,
} as const satisfies VendorManifest<'cloudwatch'>;
