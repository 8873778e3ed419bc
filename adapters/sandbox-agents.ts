/**
 * Where the sandbox plays a vendor's local agent. `bakeoff serve --with-sandbox` (and `--demo`) starts the
 * sandbox, which binds the X-Ray daemon's UDP port and the Datadog Agent's port itself, and tells its services
 * so through these variables: an adapter whose SDK sends to one of these addresses reaches the sandbox, not
 * the vendor, whatever AWS or Datadog settings the shell holds — and its start-up line must say so.
 */
export const SANDBOX_AGENT_VARS = {
  xray: 'BAKEOFF_SANDBOX_XRAY_DAEMON',
  datadog: 'BAKEOFF_SANDBOX_DATADOG_AGENT',
} as const;

export type SandboxAgent = keyof typeof SANDBOX_AGENT_VARS;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `host:port` of an address given as `host:port` or a URL, loopback names as one, or null when unreadable. */
function hostPort(address: string): string | null {
  try {
    const url = new URL(address.includes('://') ? address : `udp://${address}`);
    if (!url.port) return null;
    const host = LOOPBACK.has(url.hostname) ? 'loopback' : url.hostname;
    return `${host}:${url.port}`;
  } catch {
    return null;
  }
}

/** True when `address` (where the SDK sends) is the sandbox's own stand-in for that vendor's agent. */
export function sandboxPlaysAgent(
  env: Readonly<Record<string, string | undefined>>,
  agent: SandboxAgent,
  address: string,
): boolean {
  const played = env[SANDBOX_AGENT_VARS[agent]];
  if (!played) return false;
  const target = hostPort(address);
  return target !== null && target === hostPort(played);
}
