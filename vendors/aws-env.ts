/** AWS settings both AWS adapters (X-Ray, CloudWatch) read: any of them set means "a real AWS account". */
import type { EnvVarSpec } from './types';

export const AWS_ENV = {
  AWS_REGION: { description: 'AWS region; set → the real AWS service', endpoint: true },
  AWS_DEFAULT_REGION: { description: 'AWS region, if `AWS_REGION` is unset', endpoint: true },
  AWS_PROFILE: { description: 'AWS shared-config profile', credential: true },
  AWS_ACCESS_KEY_ID: { description: 'AWS access key id', credential: true },
  AWS_SECRET_ACCESS_KEY: { description: 'AWS secret access key', credential: true },
  AWS_SESSION_TOKEN: { description: 'AWS session token', credential: true },
} as const satisfies Record<string, EnvVarSpec>;
