/**
 * Vendor egress: every endpoint the active adapters' SDKs upload to, so that no tracing adapter records an
 * upload (another SDK's or its own) as an outgoing call of the application.
 *
 * Why by endpoint: each SDK uploads from its own timers and callbacks, and a timer first armed while a request
 * was being served runs every later upload inside that request's async context, which the OTel context, X-Ray's
 * CLS, dd-trace's scope and Sentry's scopes all follow. Every other tracer in the process then sees an outgoing
 * call with a parent and files it under that request: one failed reply that took 15 ms end to end showed as
 * 526 ms in Honeycomb and X-Ray, late `POST 127.0.0.1` children included. Suppressing the context only reaches
 * an SDK's own uploads; matching the destination reaches everyone's.
 *
 * The registry builds one list from every active adapter's `egress` (plus the sandbox and the vendors' public
 * intakes) and hands it to each adapter at creation (`AdapterOptions.egress`); each tracing adapter then skips
 * those calls in its SDK's own way (an ignore hook, a blocklist, a filter in front of a patch).
 */
import type { AdapterOptions } from './types';

/**
 * The vendors' public intake domains (subdomains included, any port): never an application call, whichever
 * adapters are active. Honeycomb `api.honeycomb.io`/`api.eu1.honeycomb.io`, Sentry `o1.ingest.sentry.io`,
 * Rollbar `api.rollbar.com`, Datadog intakes (agentless telemetry) on each site.
 */
export const VENDOR_INTAKE_DOMAINS = [
  'honeycomb.io',
  'sentry.io',
  'rollbar.com',
  'datadoghq.com',
  'datadoghq.eu',
  'ddog-gov.com',
] as const;

/**
 * AWS APIs that only adapters call: the cloudwatch adapter ships logs with the AWS SDK's CloudWatch Logs client.
 * Tracers that see AWS SDK calls as RPCs rather than HTTP requests (Sentry's Aws integration, dd-trace's aws-sdk
 * plugin) know them by this service id (OTel's `rpc.service`), not by URL.
 */
export const VENDOR_AWS_SERVICES = ['CloudWatchLogs'] as const;

/**
 * The application's own AWS calls that may go to the sandbox's origin: offline, the notifications queue is the
 * sandbox's SQS emulator (`POST /` with `X-Amz-Target: AmazonSQS.<Op>`, the AWS JSON protocol). Those are the
 * app's calls, not uploads, so tracers must record them like calls to real SQS.
 */
const APPLICATION_AWS_TARGET = /^AmazonSQS\./i;

/** True when a request's headers mark it as one of the app's own AWS calls (SQS), whatever its endpoint. */
export function isApplicationAwsCall(headers: unknown): boolean {
  const target = headerValue(headers, 'x-amz-target');
  return target !== undefined && APPLICATION_AWS_TARGET.test(target);
}

/** A header from Node's `OutgoingHttpHeaders`, a `Headers` object, or `[name, value]` pairs. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const entries: [string, unknown][] = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [key, value] of entries) {
    if (typeof key === 'string' && key.toLowerCase() === name)
      return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

/** Names of this host: a sandbox on `localhost` is the same endpoint as one on `127.0.0.1`. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** What an http client says about where a request goes (Node's `http.request` options and what wraps them). */
export interface RequestTarget {
  hostname?: string | null;
  /** Node allows a bare host here; some libraries put `host:port`. */
  host?: string | null;
  port?: string | number | null;
  protocol?: string | null;
  agent?: unknown;
  /** An SQS call (`X-Amz-Target: AmazonSQS.*`) is the app's even when it goes to the sandbox's origin. */
  headers?: unknown;
}

export class VendorEgress {
  /** `host:port` of exact endpoints (a sandbox, an agent, a daemon). */
  private readonly hostPorts = new Set<string>();
  /** Domains matched with their subdomains on any port. */
  private readonly domains = new Set<string>();

  /**
   * @param endpoints URLs (`http://127.0.0.1:4400/v1/traces`: host and port count, the path does not),
   *   `host:port` pairs, or bare domains (`sentry.io`: the domain and its subdomains, any port). Only hosts and
   *   ports are kept, so a credential in a URL (a DSN's key) is never stored.
   */
  constructor(endpoints: Iterable<string>) {
    for (const endpoint of endpoints) this.add(endpoint);
  }

  /**
   * True when this absolute URL goes to a vendor or the sandbox. Bound: pass it as an SDK's ignore hook. With
   * the request (Sentry's `ignoreOutgoingRequests(url, request)`), the app's SQS calls to the sandbox are not.
   */
  readonly includesUrl = (url: string | URL, request?: { headers?: unknown }): boolean => {
    if (isApplicationAwsCall(request?.headers)) return false;
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return false;
    }
    return this.includes(parsed.hostname, portOf(parsed));
  };

  /** True when Node `http.request` options (hostname/host, port, protocol) point at a vendor or the sandbox. */
  readonly includesRequest = (target: RequestTarget, defaultProtocol?: string): boolean => {
    if (isApplicationAwsCall(target.headers)) return false;
    const fromHost = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(target.host ?? '');
    const hostname = target.hostname || fromHost?.[1] || 'localhost';
    const agentProtocol = (target.agent as { protocol?: unknown } | undefined)?.protocol;
    const protocol =
      target.protocol || (typeof agentProtocol === 'string' ? agentProtocol : undefined) || defaultProtocol;
    const port = Number(target.port || fromHost?.[2]) || defaultPort(protocol);
    return this.includes(hostname, port);
  };

  /** `port` undefined: the protocol is unknown, so either default port counts. */
  includes(hostname: string, port: number | undefined): boolean {
    const host = hostKey(hostname);
    if (port === undefined) {
      if (this.hostPorts.has(`${host}:80`) || this.hostPorts.has(`${host}:443`)) return true;
    } else if (this.hostPorts.has(`${host}:${port}`)) return true;
    for (let domain = host; domain; domain = domain.slice(domain.indexOf('.') + 1 || domain.length)) {
      if (this.domains.has(domain)) return true;
    }
    return false;
  }

  /** The endpoints as `host:port` and domains: for diagnostics and docs. */
  list(): string[] {
    return [...this.hostPorts, ...[...this.domains].map((d) => `*.${d}`)];
  }

  private add(endpoint: string): void {
    const text = endpoint.trim();
    if (!text) return;
    if (text.includes('://')) {
      try {
        const url = new URL(text);
        const port = portOf(url);
        if (port !== undefined) this.hostPorts.add(`${hostKey(url.hostname)}:${port}`);
        else this.domains.add(hostKey(url.hostname));
      } catch {
        // Not a URL after all: nothing to match against.
      }
      return;
    }
    const pair = /^(\[[^\]]+\]|[^:[\]]+):(\d+)$/.exec(text);
    if (pair) this.hostPorts.add(`${hostKey(pair[1])}:${Number(pair[2])}`);
    else this.domains.add(hostKey(text));
  }
}

/**
 * The list every adapter of one process shares: the sandbox, the vendors' public intakes, and what each active
 * adapter declared (`AdapterFactory.egress`).
 */
export function vendorEgress(sandboxUrl: string, endpoints: Iterable<string> = []): VendorEgress {
  return new VendorEgress([sandboxUrl, ...VENDOR_INTAKE_DOMAINS, ...endpoints]);
}

/** The list the registry handed over, or (for an adapter built on its own) the sandbox and public intakes. */
export function egressOf(options: AdapterOptions): VendorEgress {
  return options.egress ?? vendorEgress(options.sandboxUrl);
}

function hostKey(hostname: string): string {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return LOOPBACK.has(host) ? 'loopback' : host;
}

/** The URL's port, or its scheme's default; undefined for a scheme without one (a bare domain). */
function portOf(url: URL): number | undefined {
  if (url.port) return Number(url.port);
  return defaultPort(url.protocol);
}

function defaultPort(protocol: string | undefined): number | undefined {
  if (protocol === 'http:') return 80;
  if (protocol === 'https:') return 443;
  return undefined;
}
