/**
 * A loopback HTTP proxy between the activities and users services that notes which propagation headers each
 * vendor's SDK put on the cross-service call. It forwards everything untouched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Header names that carry trace context for one vendor or another. */
const PROPAGATION =
  /^(traceparent|tracestate|baggage|sentry-trace|x-amzn-trace-id|x-datadog-.*|b3|x-b3-.*|x-cloud-trace-context)$/;

export interface HeaderRecorder {
  url: string;
  /** Propagation header names seen so far, sorted. */
  seen(): string[];
  /** The `x-bakeoff-seq` of every request that reached the users service. */
  seqs(): Set<number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startHeaderRecorder(target: () => string): Promise<HeaderRecorder> {
  const names = new Set<string>();
  const seqs = new Set<number>();
  const server = http.createServer((req, res) => {
    for (const name of Object.keys(req.headers)) if (PROPAGATION.test(name)) names.add(name);
    const seq = Number(req.headers['x-bakeoff-seq']);
    if (Number.isInteger(seq)) seqs.add(seq);
    const upstream = new URL(req.url ?? '/', target());
    const forward = http.request(
      upstream,
      { method: req.method, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"users service unreachable through the header recorder"}');
    });
    req.pipe(forward);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: () => [...names].sort(),
    seqs: () => new Set(seqs),
    reset: () => {
      names.clear();
      seqs.clear();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
