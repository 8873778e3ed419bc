import { describe, expect, it } from 'vitest';
import { datadogSettings } from '../../adapters/datadog';
import { SANDBOX_AGENT_VARS, sandboxPlaysAgent } from '../../adapters/sandbox-agents';
import { resolveXraySettings } from '../../adapters/xray';

const base = { serviceName: 'activities', sandboxUrl: 'http://127.0.0.1:4400', release: '0.1.0' };
/** What `bakeoff serve --with-sandbox` tells its services once the sandbox listens. */
const withSandbox = {
  [SANDBOX_AGENT_VARS.xray]: '127.0.0.1:2000',
  [SANDBOX_AGENT_VARS.datadog]: 'http://127.0.0.1:8126',
};

describe('start-up line when the sandbox plays the local agent', () => {
  it('names the sandbox, not AWS X-Ray, when AWS_REGION is set but the sandbox holds the daemon port', () => {
    const alone = resolveXraySettings({ ...base, env: { AWS_REGION: 'us-east-1' } });
    expect(alone.destination).toEqual({
      kind: 'vendor',
      endpoint: 'X-Ray daemon udp://127.0.0.1:2000 → AWS X-Ray (us-east-1)',
    });
    const played = resolveXraySettings({
      ...base,
      env: { AWS_REGION: 'us-east-1', AWS_XRAY_DAEMON_ADDRESS: 'localhost:2000', ...withSandbox },
    });
    expect(played.destination).toEqual({
      kind: 'sandbox',
      endpoint: "X-Ray daemon udp://localhost:2000 (the sandbox's daemon)",
    });
    expect(played.destination.endpoint).not.toContain('AWS X-Ray');
  });

  it('still names AWS when the daemon is elsewhere than the sandbox', () => {
    const elsewhere = resolveXraySettings({
      ...base,
      env: { AWS_REGION: 'us-east-1', AWS_XRAY_DAEMON_ADDRESS: '10.0.0.9:2000', ...withSandbox },
    });
    expect(elsewhere.destination.kind).toBe('vendor');
  });

  it('names the sandbox for Datadog when DD_AGENT_HOST points at the agent port the sandbox holds', () => {
    const env = { DD_AGENT_HOST: '127.0.0.1' };
    expect(datadogSettings({ ...base, env }).destination.kind).toBe('vendor');
    const played = datadogSettings({ ...base, env: { ...env, ...withSandbox } });
    expect(played.destination).toEqual({
      kind: 'sandbox',
      endpoint: 'Datadog Agent at http://127.0.0.1:8126',
    });
    expect(played.sandbox).toBe(true);
  });

  it('compares host and port, loopback names alike, and ignores unreadable addresses', () => {
    expect(sandboxPlaysAgent(withSandbox, 'xray', '[::1]:2000')).toBe(true);
    expect(sandboxPlaysAgent(withSandbox, 'xray', '127.0.0.1:2001')).toBe(false);
    expect(sandboxPlaysAgent(withSandbox, 'xray', 'not an address')).toBe(false);
    expect(sandboxPlaysAgent({}, 'xray', '127.0.0.1:2000')).toBe(false);
  });
});
