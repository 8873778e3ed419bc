/**
 * The load generator in its own (pinned) process: autocannon, closed-loop, a fixed number of connections,
 * each cycling through the same list of requests. Answers `run` requests with a compact summary.
 */
import autocannon from 'autocannon';
import { serveIpc } from './ipc-child';

export interface LoadRequest {
  method: 'GET';
  path: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  requests: LoadRequest[];
  headers: Record<string, string>;
}

export interface LoadSummary {
  /** Responses of any status. */
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p97_5Ms: number;
  p99Ms: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function run(options: LoadOptions): Promise<LoadSummary> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    headers: options.headers,
    requests: options.requests,
    // A stuck request must show as a timeout (and an invalid run), not stall the bench.
    timeout: 10,
  });
  const requests = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    requests,
    durationS: result.duration,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p97_5Ms: result.latency.p97_5,
    p99Ms: result.latency.p99,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

serveIpc({ pid: process.pid }, async (request) => {
  if (request.type === 'run') return run(request.options as LoadOptions);
  throw new Error(`unknown request ${request.type}`);
});
