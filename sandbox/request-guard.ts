/**
 * Keeps web pages the user happens to visit away from the sandbox. Two checks, on every HTTP listener:
 *
 * - **Host** (DNS rebinding): a page on `evil.example` whose name is re-pointed at 127.0.0.1 reaches the sandbox
 *   as same-origin, but its requests still say `Host: evil.example`. Only loopback names, IP addresses (which
 *   cannot be rebound), the `--host` bind address and names given with `--allow-host` are answered.
 * - **Cross-site requests**: a form or `fetch` from another origin can send a `text/plain` POST without a
 *   preflight. Browsers label such requests with `Origin` and `Sec-Fetch-Site`; the vendor SDKs this sandbox
 *   serves (Node processes) send neither, so every request that carries a foreign origin is refused — except
 *   plain page loads of the UI, which hold no data.
 */
import net from 'node:net';
import type express from 'express';

export interface RequestGuardOptions {
  /** The address the listener is bound to (`--host`); a name here is allowed as a Host. */
  bindHost?: string;
  /** More Host names to answer, e.g. a compose service name (`--allow-host sandbox`). Case-insensitive. */
  allowedHosts?: readonly string[];
}

const LOOPBACK_NAMES = ['localhost'];

/** `name[:port]` or `[v6][:port]` → the lower-case name without port, brackets or trailing dot. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  const name =
    colon !== -1 && h.indexOf(':') === colon && /^\d*$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Host and port of an origin or Host header, default ports filled in, for a same-origin comparison. */
function hostAndPort(host: string, protocol: 'http:' | 'https:'): string | null {
  try {
    const url = new URL(`${protocol}//${host}`);
    return `${url.hostname}:${url.port || (protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return null;
  }
}

/** True when `origin` names this very server (the UI's own page), whatever its scheme. */
function isOwnOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const mine = hostAndPort(host, url.protocol);
  return mine !== null && hostAndPort(url.host, url.protocol) === mine;
}

export function requestGuard(options: RequestGuardOptions = {}): express.RequestHandler {
  const allowed = new Set(
    [...LOOPBACK_NAMES, ...(options.allowedHosts ?? []), options.bindHost ?? '']
      .map((h) => hostName(h))
      .filter((h) => h !== ''),
  );
  const hostAllowed = (name: string) => allowed.has(name) || net.isIP(name) !== 0;

  return (req, res, next) => {
    const host = req.headers.host;
    if (host !== undefined && !hostAllowed(hostName(host))) {
      res.status(403).json({
        error:
          `Host "${host}" is not answered: the sandbox serves loopback names, IP addresses, its --host and ` +
          `names given with --allow-host (a guard against DNS rebinding)`,
      });
      return;
    }
    // A page load of the UI carries no data; everything else (the JSON API, ingest, writes) is guarded.
    const pageLoad = (req.method === 'GET' || req.method === 'HEAD') && !req.path.startsWith('/api/');
    if (pageLoad) {
      next();
      return;
    }
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const foreignOrigin = origin !== undefined && (host === undefined || !isOwnOrigin(origin, host));
    if (site === 'cross-site' || site === 'same-site' || foreignOrigin) {
      res.status(403).json({
        error:
          `cross-site request refused: ${origin ? `Origin ${origin}` : `Sec-Fetch-Site ${site}`} is not this ` +
          `sandbox; only its own UI and the vendor SDKs (which send no Origin) may call it`,
      });
      return;
    }
    next();
  };
}
