/**
 * Starts the vendor sandbox: the UI + JSON API + HTTP ingest app, the OTLP/HTTP port, the Datadog agent port
 * and the X-Ray daemon, all feeding one store. Every port is configurable and 0 means "pick a free one", so
 * tests can run side by side; the returned URLs carry the real ports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { BakeoffError } from '../config/errors';
import { apiErrorHandler, apiNotFound, apiRouter } from './api';
import { cloudwatchRouter } from './ingest/cloudwatch';
import { datadogRouter } from './ingest/datadog';
import { otlpRouter } from './ingest/otlp';
import { rollbarRouter } from './ingest/rollbar';
import { sentryRouter } from './ingest/sentry';
import { startXrayDaemon } from './ingest/xray';
import { FileJournal } from './persist';
import { requestGuard } from './request-guard';
import { type SandboxCaps, SandboxStore } from './store';

export const DEFAULT_PORTS = Object.freeze({ port: 4400, otlpPort: 4318, datadogPort: 8126, xrayPort: 2000 });

/**
 * How long a client may take to send its headers, and its whole request. A body that trickles in (or never
 * comes after a large Content-Length) would otherwise hold a socket for Node's default of five minutes. The
 * check runs every second, so a timeout fires within a second of its limit.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
const TIMEOUT_CHECK_MS = 1_000;

export interface SandboxOptions {
  /** Interface every listener binds to. Default `127.0.0.1` (use `0.0.0.0` on EC2 to reach the UI). */
  host?: string;
  /** UI, JSON API and the HTTP ingest routes of Sentry, Rollbar, CloudWatch Logs and OTLP. Default 4400. */
  port?: number;
  /** OTLP/HTTP, the OpenTelemetry default port (https://opentelemetry.io/docs/specs/otlp/#otlphttp). Default 4318. */
  otlpPort?: number;
  /** Datadog trace agent API (https://docs.datadoghq.com/tracing/guide/send_traces_to_agent_by_api/). Default 8126. */
  datadogPort?: number;
  /** X-Ray daemon UDP segments + TCP sampling API (https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon.html). Default 2000. */
  xrayPort?: number;
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

export interface Sandbox {
  /** UI + JSON API, e.g. `http://127.0.0.1:4400`. */
  url: string;
  otlpUrl: string;
  datadogUrl: string;
  /** `host:port` as `AWS_XRAY_DAEMON_ADDRESS` wants it. */
  xrayAddress: string;
  store: SandboxStore;
  /** Lines replayed from `dataDir` at start, and lines skipped as unreadable. */
  replayed: { lines: number; skipped: number };
  close(): Promise<void>;
}

const UI_DIR = path.join(__dirname, 'ui');

/**
 * The :4400 app: the Host and cross-site guard, the JSON API (specific paths only), then the vendor ingest
 * routes, then the static UI.
 */
export function createSandboxApp(store: SandboxStore, guard = requestGuard()): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(guard);
  app.use(apiRouter(store));
  app.use(otlpRouter(store));
  app.use(sentryRouter(store));
  app.use(rollbarRouter(store));
  app.use(cloudwatchRouter(store));
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

function listen(
  app: express.Express,
  where: { host: string; port: number; timeouts: { headersMs: number; requestMs: number } },
  listener: string,
  flag: string,
): Promise<http.Server> {
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
      resolve(server);
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
  const otlpPort = checkPort('otlpPort', options.otlpPort ?? DEFAULT_PORTS.otlpPort);
  const datadogPort = checkPort('datadogPort', options.datadogPort ?? DEFAULT_PORTS.datadogPort);
  const xrayPort = checkPort('xrayPort', options.xrayPort ?? DEFAULT_PORTS.xrayPort);

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

  const servers: http.Server[] = [];
  let xray: { port: number; close(): Promise<void> } | null = null;
  const closeAll = async () => {
    await Promise.allSettled([...servers.map(closeServer), xray?.close()]);
    journal?.close();
  };

  try {
    servers.push(await listen(createSandboxApp(store, guard), on(port), 'UI/API listener', '--port'));
    servers.push(
      await listen(
        singleRouterApp(otlpRouter(store), guard),
        on(otlpPort),
        'OTLP/HTTP listener',
        '--otlp-port',
      ),
    );
    servers.push(
      await listen(
        singleRouterApp(datadogRouter(store), guard),
        on(datadogPort),
        'Datadog agent listener',
        '--datadog-port',
      ),
    );
    try {
      xray = await startXrayDaemon({ host, port: xrayPort, sink: store });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw portInUse(host, xrayPort, 'X-Ray daemon (UDP+TCP)', '--xray-port');
      }
      throw err;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const h = urlHost(host);
  const portOf = (s: http.Server) => (s.address() as AddressInfo).port;
  return {
    url: `http://${h}:${portOf(servers[0])}`,
    otlpUrl: `http://${h}:${portOf(servers[1])}`,
    datadogUrl: `http://${h}:${portOf(servers[2])}`,
    xrayAddress: `${h}:${xray.port}`,
    store,
    replayed,
    close: closeAll,
  };
}
