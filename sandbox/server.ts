/**
 * Starts the vendor sandbox: the UI + JSON API app on the main port and every ingest module's listeners
 * (sandbox/ingest/index.ts), all feeding one store. Every port is configurable and 0 means "pick a free one",
 * so tests can run side by side; the returned URLs carry the real ports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { BakeoffError } from '../config/errors';
import { apiErrorHandler, apiNotFound, apiRouter } from './api';
import { INGEST_MODULES, type IngestAddresses, type IngestPortOptions, OWN_PORTS } from './ingest';
import {
  addressName,
  type IngestContext,
  type Listening,
  type OwnPort,
  portFlag,
  portOption,
} from './ingest/module';
import { FileJournal } from './persist';
import { withReleases } from './release';
import { requestGuard } from './request-guard';
import { type SandboxCaps, SandboxStore } from './store';

/** The main port, then each module's own port by option name: `{ port: 4400, otlpPort: 4318, … }`. */
export const DEFAULT_PORTS: Readonly<{ port: number } & Required<IngestPortOptions>> = Object.freeze(
  Object.fromEntries([['port', 4400], ...OWN_PORTS.map((p) => [portOption(p), p.defaultPort])]) as {
    port: number;
  } & Required<IngestPortOptions>,
);

/**
 * How long a client may take to send its headers, and its whole request. A body that trickles in (or never
 * comes after a large Content-Length) would otherwise hold a socket for Node's default of five minutes. The
 * check runs every second, so a timeout fires within a second of its limit.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
const TIMEOUT_CHECK_MS = 1_000;

/** Also a port per ingest module with one of its own (`otlpPort`, `datadogPort`, `xrayPort`; see DEFAULT_PORTS). */
export interface SandboxOptions extends IngestPortOptions {
  /** Interface every listener binds to. Default `127.0.0.1` (use `0.0.0.0` on EC2 to reach the UI). */
  host?: string;
  /** UI, JSON API and the ingest modules' main-port routes (Sentry, Rollbar, CloudWatch Logs, OTLP). Default 4400. */
  port?: number;
  /** Directory for `sandbox.ndjson`: every accepted payload is appended and replayed at start. Unset → memory only. */
  dataDir?: string;
  /** Memory caps and the byte budget; see `SandboxCaps` for defaults. */
  caps?: Partial<SandboxCaps>;
  /**
   * Host names answered besides loopback names, IP addresses and `host` (e.g. `sandbox`, the compose service
   * name). Any other `Host` gets a 403: the guard against DNS rebinding (request-guard.ts).
   */
  allowedHosts?: readonly string[];
  /** How long a client may take to send its headers / its whole request. Defaults 10 s / 30 s. */
  timeouts?: { headersMs?: number; requestMs?: number };
}

/** Also each ingest module's own address (`otlpUrl`, `datadogUrl`, `xrayAddress` as `host:port`). */
export type Sandbox = IngestAddresses & {
  /** UI + JSON API, e.g. `http://127.0.0.1:4400`. */
  url: string;
  store: SandboxStore;
  /** Lines replayed from `dataDir` at start, and lines skipped as unreadable. */
  replayed: { lines: number; skipped: number };
  close(): Promise<void>;
};

const UI_DIR = path.join(__dirname, 'ui');

/**
 * The :4400 app: the Host and cross-site guard, the JSON API (specific paths only), then each ingest module's
 * main-port routes in list order, then the static UI.
 */
export function createSandboxApp(
  store: SandboxStore,
  guard = requestGuard(),
  ctx: IngestContext = { sink: withReleases(store), onClose: () => undefined },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(guard);
  app.use(apiRouter(store));
  for (const module of INGEST_MODULES) if ('mainPort' in module) app.use(module.mainPort.routes(ctx));
  app.use(express.static(UI_DIR, { index: 'index.html', maxAge: 0 }));
  app.use('/api', apiNotFound);
  app.use(apiErrorHandler);
  return app;
}

function singleRouterApp(router: express.Router, guard: express.RequestHandler): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(guard);
  app.use(router);
  app.use(apiNotFound);
  app.use(apiErrorHandler);
  return app;
}

function portInUse(host: string, port: number, listener: string, flag: string): BakeoffError {
  return new BakeoffError(
    'BAKEOFF_ERR_PORT_IN_USE',
    `port ${port} on ${host} is already in use (wanted by the sandbox's ${listener}); ` +
      `stop whatever holds it or pass ${flag} <port> (0 picks a free one)`,
  );
}

interface ListenAt {
  host: string;
  port: number;
  timeouts: { headersMs: number; requestMs: number };
}

function listen(app: express.Express, where: ListenAt, listener: string, flag: string): Promise<Listening> {
  const { host, port, timeouts } = where;
  return new Promise((resolve, reject) => {
    const server = http.createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, timeouts.headersMs),
      },
      app,
    );
    server.listen(port, host);
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? portInUse(host, port, listener, flag) : err);
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve({ port: (server.address() as AddressInfo).port, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // SSE streams and keep-alive sockets would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/** URLs must name a host a browser can reach: a wildcard bind is reached on loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BakeoffError('BAKEOFF_ERR_USAGE', `${name} must be an integer from 0 to 65535, got ${port}`);
  }
  return port;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const port = checkPort('port', options.port ?? DEFAULT_PORTS.port);
  const ownPorts = OWN_PORTS.map((p) => {
    const option = portOption(p) as keyof IngestPortOptions;
    return { listener: p, port: checkPort(option, options[option] ?? p.defaultPort) };
  });

  const journal = options.dataDir ? new FileJournal(options.dataDir) : undefined;
  const store = new SandboxStore({ caps: options.caps, journal });
  // Line by line: the journal is append-only and may be far larger than the store's byte budget.
  const replayed = options.dataDir
    ? FileJournal.read(options.dataDir, (line) => store.replay([line]))
    : { lines: 0, skipped: 0 };
  const guard = requestGuard({ bindHost: host, allowedHosts: options.allowedHosts });
  const headersMs = options.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS;
  // Node requires the request timeout to be at least the headers timeout.
  const timeouts = {
    headersMs,
    requestMs: Math.max(headersMs, options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS),
  };
  const on = (p: number) => ({ host, port: p, timeouts });

  const listening: Listening[] = [];
  const onClose: Array<() => void | Promise<void>> = [];
  const onClosing: Array<() => void | Promise<void>> = [];
  const ctx: IngestContext = {
    sink: withReleases(store),
    dataDir: options.dataDir,
    onClose: (fn) => onClose.push(fn),
    onClosing: (fn) => onClosing.push(fn),
  };
  const closeAll = async () => {
    await Promise.allSettled(onClosing.map((fn) => fn()));
    await Promise.allSettled(listening.map((l) => l.close()));
    await Promise.allSettled(onClose.map((fn) => fn()));
    journal?.close();
  };

  const addresses: Record<string, string> = {};
  const h = urlHost(host);
  try {
    const main = await listen(createSandboxApp(store, guard, ctx), on(port), 'UI/API listener', '--port');
    listening.push(main);
    addresses.url = `http://${h}:${main.port}`;
    for (const { listener, port: wanted } of ownPorts) {
      const bound = await bindOwnPort(listener, ctx, on(wanted), guard);
      listening.push(bound);
      addresses[addressName(listener)] =
        listener.kind === 'http' ? `http://${h}:${bound.port}` : `${h}:${bound.port}`;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { ...(addresses as IngestAddresses & { url: string }), store, replayed, close: closeAll };
}

/** Binds one module's own port: an HTTP app wrapped in the guard and timeouts, or the module's own sockets. */
async function bindOwnPort(
  listener: OwnPort,
  ctx: IngestContext,
  where: ListenAt,
  guard: express.RequestHandler,
): Promise<Listening> {
  const flag = portFlag(listener);
  if (listener.kind === 'http') {
    return listen(singleRouterApp(listener.routes(ctx), guard), where, listener.label, flag);
  }
  try {
    return await listener.bind(ctx, { host: where.host, port: where.port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw portInUse(where.host, where.port, listener.label, flag);
    }
    throw err;
  }
}
