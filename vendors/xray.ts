/** AWS X-Ray through `aws-xray-sdk-core`: UDP segments to a daemon. */
import { AWS_ENV } from './aws-env';
import type { VendorManifest } from './types';

export const xray = {
  name: 'xray',
  label: 'AWS X-Ray',
  signals: ['traces', 'errors'],
  sdk: { package: 'aws-xray-sdk-core', range: '^3.12.0' },
  env: {
    ...AWS_ENV,
    AWS_XRAY_DAEMON_ADDRESS: {
      description: '`host:port` of the X-Ray daemon (UDP segments, TCP sampling API)',
      endpoint: true,
    },
    XRAY_SAMPLING: {
      description: '`centralized`: the account’s sampling rules; default `local`, every request traced',
    },
  },
  sdkEnvPrefixes: ['AWS_'],
  endpointChoice:
    '`AWS_XRAY_DAEMON_ADDRESS` wins; else with `AWS_REGION` or credentials a local daemon on :2000 ' +
    'forwards to X-Ray; else the sandbox host plays the daemon on :2000.',
  sandboxIngest: 'xray',
  conflicts: {},
  docs: 'docs/vendors/xray.md',
  release: { setting: 'segment `service.version`', sandboxAttributes: ['xray.service.version'] },
} as const satisfies VendorManifest<'xray'>;
