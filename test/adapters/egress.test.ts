/**
 * The vendor egress list (adapters/egress.ts): what counts as an upload, and what each adapter declares. The
 * end-to-end check, every SDK skipping these calls, is test/adapters/crosstrace.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createCloudWatchAdapter } from '../../adapters/cloudwatch';
import { createDatadogAdapter } from '../../adapters/datadog';
import { egressOf, VendorEgress, vendorEgress } from '../../adapters/egress';
import { createHoneycombAdapter } from '../../adapters/honeycomb';
import { createRollbarAdapter } from '../../adapters/rollbar';
import { createSentryAdapter } from '../../adapters/sentry';
import type { AdapterFactory, AdapterOptions } from '../../adapters/types';
import { createXrayAdapter } from '../../adapters/xray';

const SANDBOX = 'http://127.0.0.1:4400';
const options = (env: Record<string, string> = {}): AdapterOptions => ({
  serviceName: 'activities',
  sandboxUrl: SANDBOX,
  env,
});

describe('VendorEgress', () => {
  const egress = vendorEgress(SANDBOX, ['127.0.0.1:2000', 'https://api.rollbar.com/api/1/item/']);

  it('matches the sandbox by host and port, not the app on the same host', () => {
    expect(egress.includesUrl('http://127.0.0.1:4400/api/1/envelope/?sentry_key=x')).toBe(true);
    expect(egress.includesUrl('http://127.0.0.1:4568/api/users?handles=ada')).toBe(false);
    expect(egress.includesRequest({ hostname: '127.0.0.1', port: 2000 })).toBe(true);
  });

  it('treats every loopback name as the same host', () => {
    expect(egress.includesUrl('http://localhost:4400/v1/traces')).toBe(true);
    expect(egress.includesUrl('http://[::1]:4400/v1/traces')).toBe(true);
    expect(egress.includesRequest({ host: 'localhost:2000' })).toBe(true);
  });

  it('fills in the scheme’s default port', () => {
    expect(egress.includesUrl('https://api.rollbar.com/api/1/item/')).toBe(true);
    expect(egress.includesRequest({ hostname: 'api.rollbar.com', protocol: 'https:' })).toBe(true);
    expect(egress.includesRequest({ hostname: 'api.rollbar.com' }, 'https:')).toBe(true);
    expect(egress.includesRequest({ hostname: 'api.rollbar.com', agent: { protocol: 'https:' } })).toBe(true);
    // No protocol known at all: either default port counts.
    expect(egress.includes('api.rollbar.com', undefined)).toBe(true);
  });

  it('matches the vendors’ public intakes with their subdomains, on any port', () => {
    expect(egress.includesUrl('https://o42.ingest.us.sentry.io/api/7/envelope/')).toBe(true);
    expect(egress.includesUrl('https://api.eu1.honeycomb.io/v1/traces')).toBe(true);
    expect(egress.includesUrl('https://instrumentation-telemetry-intake.datadoghq.com:8443/')).toBe(true);
    expect(egress.includesUrl('https://notsentry.io/')).toBe(false);
    expect(egress.includesUrl('https://sentry.io.example.com/')).toBe(false);
  });

  it('does not match what it cannot parse', () => {
    expect(egress.includesUrl('not a url')).toBe(false);
  });

  it('keeps hosts and ports only, never a credential in a URL', () => {
    const withKey = new VendorEgress(['https://0123456789abcdef@o1.ingest.sentry.io/42']);
    expect(JSON.stringify(withKey.list())).not.toContain('0123456789abcdef');
    expect(withKey.includesUrl('https://o1.ingest.sentry.io/api/42/envelope/')).toBe(true);
  });

  it('falls back to the sandbox and public intakes for an adapter built on its own', () => {
    expect(egressOf(options()).includesUrl(`${SANDBOX}/api/1/item/`)).toBe(true);
    const handed = new VendorEgress(['10.0.0.9:8126']);
    expect(egressOf({ ...options(), egress: handed })).toBe(handed);
  });
});

describe('what each adapter declares as its egress', () => {
  const declared = (factory: AdapterFactory, env: Record<string, string> = {}) =>
    new VendorEgress(factory.egress?.(options(env)) ?? []);

  it('honeycomb: the OTLP traces URL', () => {
    expect(declared(createHoneycombAdapter).includesUrl(`${SANDBOX}/v1/traces`)).toBe(true);
    const real = declared(createHoneycombAdapter, {
      HONEYCOMB_API_KEY: 'k',
      HONEYCOMB_API_ENDPOINT: 'https://otel.example.com',
    });
    expect(real.includesUrl('https://otel.example.com/v1/traces')).toBe(true);
  });

  it('xray: the daemon, including separate tcp/udp addresses', () => {
    expect(declared(createXrayAdapter).includes('127.0.0.1', 2000)).toBe(true);
    const split = declared(createXrayAdapter, {
      AWS_XRAY_DAEMON_ADDRESS: 'tcp:10.0.0.1:2001 udp:10.0.0.2:2002',
    });
    expect(split.includes('10.0.0.1', 2001)).toBe(true);
    expect(split.includes('10.0.0.2', 2002)).toBe(true);
  });

  it('datadog: the agent', () => {
    expect(declared(createDatadogAdapter, { DD_AGENT_HOST: 'agent' }).includes('agent', 8126)).toBe(true);
  });

  it('sentry: the DSN’s host, a self-hosted one too', () => {
    const selfHosted = declared(createSentryAdapter, { SENTRY_DSN: 'https://pubkey@sentry.internal:9000/3' });
    expect(selfHosted.includesUrl('https://sentry.internal:9000/api/3/envelope/')).toBe(true);
  });

  it('rollbar: the item endpoint', () => {
    expect(declared(createRollbarAdapter).includesUrl(`${SANDBOX}/api/1/item/`)).toBe(true);
  });

  it('cloudwatch: the Logs endpoint and, against AWS, the credential endpoints', () => {
    expect(declared(createCloudWatchAdapter).includesUrl(`${SANDBOX}/`)).toBe(true);
    const aws = declared(createCloudWatchAdapter, { AWS_REGION: 'eu-west-1', CLOUDWATCH_LOG_GROUP: '/app' });
    expect(aws.includesUrl('https://logs.eu-west-1.amazonaws.com/')).toBe(true);
    expect(aws.includesUrl('http://169.254.169.254/latest/api/token')).toBe(true);
    expect(aws.includesUrl('https://sqs.eu-west-1.amazonaws.com/')).toBe(false);
  });
});
