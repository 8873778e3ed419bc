/**
 * A drop-and-ack vendor sandbox for the overhead bench: every ingest route answers at once with the smallest
 * body the vendor's SDK accepts as success, and only byte/payload counts are kept. Nothing is decoded or
 * stored, so the sandbox stays cheap and never back-pressures the SDK under load (the full sandbox decodes and
 * indexes every span, which is what the compare command wants and the bench does not).
 *
 * Each ingest module (sandbox/ingest/index.ts) brings its own drop-ack answer, for its main-port routes and its
 * own port; where a client depends on the answer (CloudWatch Logs' stream listing, X-Ray's sampling rules) the
 * module reuses its real logic with a sink that only counts.
 */
import http from 'node:http';
import type net from 'node:net';
import type { DropAckCounts } from '../shared/sandbox-api';
import { INGEST_MODULES, type IngestAddresses, type IngestPortOptions, OWN_PORTS } from './ingest';
import { drain, reply } from './ingest/drop-ack-io';
import {
  addressName,
  type BindAddress,
  type Count,
  type Listening,
  type MainPortDropAck,
  type OwnPort,
  portOption,
} from './ingest/module';

/** Options for `startDropAckSandbox`; every port defaults to 0 (a free one), the modules' too (`otlpPort`, …). */
export interface DropAckOptions extends IngestPortOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** The modules' main-port routes: Sentry, Rollbar, CloudWatch Logs and OTLP (what `BAKEOFF_SANDBOX` points at). */
  port?: number;
}

// The counts are a wire type (the bench reads them over IPC), declared in shared/.
export type { DropAckCounts, VendorCount } from '../shared/sandbox-api';

/** Also each module's own address (`otlpUrl`, `datadogUrl`, `xrayAddress`), as the full sandbox returns them. */
export type DropAckSandbox = IngestAddresses & {
  url: string;
  /** Counts per vendor since start or the last reset; `unmatched` = requests no vendor route claimed. */
  counts(): DropAckCounts;
  reset(): void;
  close(): Promise<void>;
};

function createCounter() {
  let counts: DropAckCounts = {};
  return {
    add(vendor: string, bytes: number) {
      counts[vendor] ??= { payloads: 0, bytes: 0 };
      const c = counts[vendor];
      c.payloads++;
      c.bytes += bytes;
    },
    snapshot: (): DropAckCounts => structuredClone(counts),
    reset() {
      counts = {};
    },
  };
}

/** The main port: the first module whose answer claims the request answers it; the rest are 404s, counted. */
function mainHandler(count: Count): http.RequestListener {
  const answers: MainPortDropAck[] = INGEST_MODULES.flatMap((m) =>
    'mainPort' in m ? [m.mainPort.dropAck(count)] : [],
  );
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = answers.find((a) => a.claims(req, path));
    if (answer) {
      answer.answer(req, res);
      return;
    }
    void drain(req).then(({ bytes }) => {
      count('unmatched', bytes);
      reply(res, 404, JSON.stringify({ message: `drop-ack sandbox has no route ${req.method} ${path}` }));
    });
  };
}

/** Keep-alive for the SDKs' pooled connections, longer than any exporter's idle timeout. */
const KEEP_ALIVE_MS = 65_000;

function listenHttp(handler: http.RequestListener, where: BindAddress): Promise<Listening> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function bindOwnPort(listener: OwnPort, where: BindAddress, count: Count): Promise<Listening> {
  return listener.kind === 'http'
    ? listenHttp(listener.dropAck(count), where)
    : listener.dropAck(where, count);
}

export async function startDropAckSandbox(options: DropAckOptions = {}): Promise<DropAckSandbox> {
  const host = options.host ?? '127.0.0.1';
  const counter = createCounter();
  const listening: Listening[] = [];
  const close = async () => {
    await Promise.all(listening.map((l) => l.close()));
  };
  const h = host.includes(':') ? `[${host}]` : host;
  const addresses: Record<string, string> = {};
  try {
    const main = await listenHttp(mainHandler(counter.add), { host, port: options.port ?? 0 });
    listening.push(main);
    addresses.url = `http://${h}:${main.port}`;
    for (const listener of OWN_PORTS) {
      const port = options[portOption(listener) as keyof IngestPortOptions] ?? 0;
      const bound = await bindOwnPort(listener, { host, port }, counter.add);
      listening.push(bound);
      // X-Ray's address was always `host:port` unbracketed here, as AWS_XRAY_DAEMON_ADDRESS takes it.
      addresses[addressName(listener)] =
        listener.kind === 'http' ? `http://${h}:${bound.port}` : `${host}:${bound.port}`;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    ...(addresses as IngestAddresses & { url: string }),
    counts: counter.snapshot,
    reset: counter.reset,
    close,
  };
}
