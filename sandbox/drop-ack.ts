/**
 * A drop-and-ack vendor sandbox for the overhead bench: every ingest route answers at once with the smallest
 * body the vendor's SDK accepts as success, and only byte/payload counts are kept. Nothing is decoded or
 * stored, so the sandbox stays cheap and never back-pressures the SDK under load (the full sandbox decodes and
 * indexes every span, which is what the compare command wants and the bench does not).
 *
 * The exceptions are the two protocols whose clients depend on the answer: CloudWatch Logs reuses the real
 * router (winston-cloudwatch loops if DescribeLogStreams doesn't list the stream it just created) with a sink
 * that only counts, and the X-Ray TCP sampling API reuses the real rule answers (FixedRate 1).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import express from 'express';
import { cloudwatchRouter } from './ingest/cloudwatch';
import { bindBoth } from './ingest/xray';
import { handleSamplingRequest } from './ingest/xray-sampling';
import type { IngestSink } from './model';

/** Options for `startDropAckSandbox`; every port defaults to 0 (a free one). */
export interface DropAckOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Sentry, Rollbar, CloudWatch Logs and OTLP (what `BAKEOFF_SANDBOX` points at). */
  port?: number;
  /** OTLP/HTTP only. */
  otlpPort?: number;
  /** Datadog trace agent API. */
  datadogPort?: number;
  /** X-Ray daemon: UDP segments and the TCP sampling API on the same number. */
  xrayPort?: number;
}

/** What one vendor sent: request bodies (or datagrams) and their bytes as they came over the wire. */
export interface VendorCount {
  payloads: number;
  bytes: number;
}

export type DropAckCounts = Record<string, VendorCount>;

export interface DropAckSandbox {
  url: string;
  otlpUrl: string;
  datadogUrl: string;
  /** `host:port` as `AWS_XRAY_DAEMON_ADDRESS` wants it. */
  xrayAddress: string;
  /** Counts per vendor since start or the last reset; `unmatched` = requests no vendor route claimed. */
  counts(): DropAckCounts;
  reset(): void;
  close(): Promise<void>;
}

/** Side routes dd-trace calls besides traces; a quiet 2xx keeps it from logging failures. */
const DATADOG_INFO = {
  version: 'bakeoff-drop-ack',
  endpoints: ['/v0.4/traces', '/v0.5/traces', '/v0.7/config', '/telemetry/proxy/'],
  client_drop_p0s: false,
  span_meta_structs: false,
  feature_flags: [],
  config: { statsd_port: 0 },
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
type Counter = ReturnType<typeof createCounter>;

/** Reads and discards the body, resolving with its size on the wire (compressed, if it was). */
function drain(req: http.IncomingMessage): Promise<{ bytes: number; head: Buffer | null }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let head: Buffer | null = null;
    req.on('data', (chunk: Buffer) => {
      // The first chunk is kept so a Sentry envelope's header line (its event_id) can be echoed back.
      head ??= chunk;
      bytes += chunk.length;
    });
    req.on('end', () => resolve({ bytes, head }));
    req.on('error', () => resolve({ bytes, head }));
  });
}

function reply(res: http.ServerResponse, status: number, body: string | Buffer, type = 'application/json') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The event id from an uncompressed envelope's first line, else a fresh one (Sentry answers `{"id": …}`). */
function sentryEventId(head: Buffer | null, req: http.IncomingMessage): string {
  if (head && !req.headers['content-encoding']) {
    const newline = head.indexOf(10);
    try {
      const header = JSON.parse(head.subarray(0, newline < 0 ? head.length : newline).toString('utf8'));
      if (typeof header?.event_id === 'string') return header.event_id;
    } catch {
      // a store-endpoint event or a partial first chunk: any id will do
    }
  }
  return randomUUID().replaceAll('-', '');
}

/** OTLP/HTTP: an empty 200 in the encoding the exporter used (an empty ExportTraceServiceResponse). */
async function otlp(req: http.IncomingMessage, res: http.ServerResponse, counter: Counter) {
  const { bytes } = await drain(req);
  counter.add(req.headers['x-honeycomb-team'] ? 'honeycomb' : 'otlp', bytes);
  if ((req.headers['content-type'] ?? '').includes('json')) reply(res, 200, '{}');
  else reply(res, 200, Buffer.alloc(0), 'application/x-protobuf');
}

/** The main port: OTLP, Sentry, Rollbar and CloudWatch Logs, by path (and X-Amz-Target for CloudWatch). */
function mainHandler(counter: Counter): http.RequestListener {
  const cloudwatchSink: IngestSink = { accept: (_vendor, meta) => counter.add('cloudwatch', meta.bytes) };
  const cloudwatch = express();
  cloudwatch.disable('x-powered-by');
  cloudwatch.use(cloudwatchRouter(cloudwatchSink));
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path.startsWith('/v1/')) {
      void otlp(req, res, counter);
    } else if (req.method === 'POST' && /^\/api\/[^/]+\/(envelope|store)\/?$/.test(path)) {
      void drain(req).then(({ bytes, head }) => {
        counter.add('sentry', bytes);
        reply(res, 200, JSON.stringify({ id: sentryEventId(head, req) }));
      });
    } else if (req.method === 'POST' && path.startsWith('/api/1/item')) {
      void drain(req).then(({ bytes }) => {
        counter.add('rollbar', bytes);
        reply(res, 200, JSON.stringify({ err: 0, result: { id: null, uuid: randomUUID() } }));
      });
    } else if (req.method === 'POST' && path === '/' && req.headers['x-amz-target']) {
      cloudwatch(req, res);
    } else {
      void drain(req).then(({ bytes }) => {
        counter.add('unmatched', bytes);
        reply(res, 404, JSON.stringify({ message: `drop-ack sandbox has no route ${req.method} ${path}` }));
      });
    }
  };
}

/** The Datadog agent port: traces get `{"rate_by_service":{}}`, `/info` lists the endpoints, the rest a 2xx. */
function datadogHandler(counter: Counter): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void drain(req).then(({ bytes }) => {
      if (path === '/info') {
        reply(res, 200, JSON.stringify(DATADOG_INFO));
        return;
      }
      counter.add('datadog', bytes);
      if (/^\/v0\.[345]\/traces$/.test(path)) reply(res, 200, JSON.stringify({ rate_by_service: {} }));
      else reply(res, path.startsWith('/telemetry/') ? 202 : 200, '{}');
    });
  };
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** X-Ray: TCP sampling API and UDP segments on one number, bound the way the real sandbox daemon binds them. */
async function bindXray(host: string, port: number, counter: Counter) {
  const bound = await bindBoth(host, port, (req, res) => {
    // Sampling polls are part of what the SDK sends, so their bodies count too (as their own line).
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => counter.add('xray-sampling', bytes));
    handleSamplingRequest(req, res);
  });
  bound.udp.on('message', (msg) => counter.add('xray', msg.length));
  bound.udp.on('error', () => undefined);
  return bound;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startDropAckSandbox(options: DropAckOptions = {}): Promise<DropAckSandbox> {
  const host = options.host ?? '127.0.0.1';
  const counter = createCounter();
  const main = http.createServer(mainHandler(counter));
  const otlpServer = http.createServer((req, res) => {
    if (req.method === 'POST' && (req.url ?? '').startsWith('/v1/')) void otlp(req, res, counter);
    else reply(res, 404, '{"message":"OTLP/HTTP serves POST /v1/traces, /v1/logs, /v1/metrics"}');
  });
  const datadog = http.createServer(datadogHandler(counter));
  const servers = [main, otlpServer, datadog];
  // Keep-alive for the SDKs' pooled connections, longer than any exporter's idle timeout.
  for (const s of servers) s.keepAliveTimeout = 65_000;
  const mainPort = await listen(main, host, options.port ?? 0);
  const otlpPort = await listen(otlpServer, host, options.otlpPort ?? 0);
  const datadogPort = await listen(datadog, host, options.datadogPort ?? 0);
  const xray = await bindXray(host, options.xrayPort ?? 0, counter);
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${h}:${mainPort}`,
    otlpUrl: `http://${h}:${otlpPort}`,
    datadogUrl: `http://${h}:${datadogPort}`,
    xrayAddress: `${host}:${xray.port}`,
    counts: counter.snapshot,
    reset: counter.reset,
    close: async () => {
      await Promise.all([
        ...servers.map(closeServer),
        closeServer(xray.tcp),
        new Promise<void>((resolve) => xray.udp.close(() => resolve())),
      ]);
    },
  };
}
