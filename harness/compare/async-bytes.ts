/**
 * The worker's share of a vendor's wire cost: compare points the notifications worker (only it) at relays in
 * front of the sandbox, which count the bytes it uploads and pass everything on unchanged.
 *
 * Why relays rather than the sandbox's payload records: a payload does not say which process sent it, and
 * not every payload holds a record that names its service (sampling requests, Datadog's telemetry, log stream
 * set-up). A relay per process sees all of them. What it counts matches the sandbox's `bytes`: request bodies
 * as sent (compressed, if they were) and UDP datagrams whole. The worker's own SQS calls go to the sandbox's
 * main port too; they are the application's traffic, not telemetry, and are passed on uncounted.
 */
import { createSocket } from 'node:dgram';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The app's SQS calls (AWS JSON protocol): `X-Amz-Target: AmazonSQS.<Op>` (adapters/egress.ts). */
const SQS_TARGET = /^AmazonSQS\./i;

export interface WorkerByteMeter {
  /** Overrides for the worker's environment: every vendor endpoint through a relay. */
  env: Record<string, string>;
  /** Telemetry bytes the worker sent since the last reset. */
  bytes(): number;
  reset(): void;
  close(): Promise<void>;
}

/** An HTTP relay to `target` that adds each counted request's body bytes to `count`. */
async function httpRelay(target: URL, count: (bytes: number) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const counted = !SQS_TARGET.test(String(req.headers['x-amz-target'] ?? ''));
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // The worker abandons its long poll on shutdown: pass the abort on.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.on('data', (chunk: Buffer) => {
      if (counted) count(chunk.length);
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/**
 * Relays for the sandbox's main port (OTLP, Sentry, Rollbar, CloudWatch Logs — and the SQS emulator), its
 * Datadog agent port, and its X-Ray daemon (UDP segments, TCP sampling).
 */
export async function startWorkerByteMeter(sandbox: {
  url: string;
  datadogUrl: string;
  xrayAddress: string;
}): Promise<WorkerByteMeter> {
  let total = 0;
  const count = (bytes: number) => (total += bytes);
  const [xrayHost, xrayPort] = splitAddress(sandbox.xrayAddress);
  const main = await httpRelay(new URL(sandbox.url), count);
  const datadog = await httpRelay(new URL(sandbox.datadogUrl), count);
  const sampling = await httpRelay(new URL(`http://${xrayHost}:${xrayPort}`), count);
  const udp = createSocket('udp4');
  udp.on('message', (datagram) => {
    count(datagram.length);
    udp.send(datagram, xrayPort, xrayHost);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const relayUrl = (server: Server) => `http://127.0.0.1:${portOf(server)}`;
  return {
    env: {
      BAKEOFF_SANDBOX: relayUrl(main),
      DD_TRACE_AGENT_URL: relayUrl(datadog),
      AWS_XRAY_DAEMON_ADDRESS: `tcp:127.0.0.1:${portOf(sampling)} udp:127.0.0.1:${udp.address().port}`,
    },
    bytes: () => total,
    reset: () => {
      total = 0;
    },
    async close() {
      for (const server of [main, datadog, sampling]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await new Promise<void>((resolve) => udp.close(resolve));
    },
  };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
