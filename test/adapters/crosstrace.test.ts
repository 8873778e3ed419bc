/**
 * Issue 11 §1: no vendor traces another vendor's traffic. Each largest combination of adapters the registry lets
 * share one process (the demo's `honeycomb,xray,sentry,rollbar,cloudwatch` is one; every allowed combination is
 * a subset of one) runs under seeded load with the `incident` chaos, reporting to one sandbox. Then:
 * - every span's outgoing call goes to the users service: none to the sandbox or a vendor;
 * - no error event (breadcrumbs included) or log line mentions a sandbox or vendor endpoint;
 * - no outgoing call outlives its request: an upload filed under a request used to end long after the response;
 * - every request's root span lasts as long as the client saw the request take, within the timing bound both
 *   ways (root-fidelity.ts: how a request that misses only because a process was kept off the CPU is told apart).
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFLICTS } from '../../adapters';
import { VENDOR_INTAKE_DOMAINS } from '../../adapters/egress';
import { ADAPTER_SIGNALS, sandboxVendorOf } from '../../adapters/signals';
import { ADAPTER_NAMES, type AdapterName } from '../../adapters/types';
import { DEMO_GROUPS } from '../../cli/serve';
import { type RequestRecord, runLoad } from '../../harness/load/runner';
import { correlationOf } from '../../sandbox/correlation';
import type { ErrorRecord, LogRecord, SandboxVendor, SpanRecord } from '../../sandbox/model';
import { type Stack, startStack } from './harness';
import { describeMisses, type RequestFidelity, rootFidelity, TIMING_BOUND_MS } from './root-fidelity';

const REQUESTS = 100;
const LOAD_SEED = 7;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Every largest set of adapters that may share a process. */
function largestAllowedCombinations(): AdapterName[][] {
  const names: AdapterName[] = ADAPTER_NAMES.filter((name) => name !== 'none');
  const allowed: AdapterName[][] = [];
  for (let mask = 1; mask < 1 << names.length; mask++) {
    const set = names.filter((_, i) => mask & (1 << i));
    if (!CONFLICTS.some(({ pair }) => pair.every((name) => set.includes(name)))) allowed.push(set);
  }
  const inBigger = (set: AdapterName[]) =>
    allowed.some((other) => other.length > set.length && set.every((name) => other.includes(name)));
  return allowed.filter((set) => !inBigger(set));
}

const COMBINATIONS = largestAllowedCombinations().map((set) => set.join(','));

it('covers the demo combination', () => {
  const sorted = (list: string) => list.split(',').sort().join(',');
  expect(COMBINATIONS.map(sorted)).toContain(sorted(DEMO_GROUPS[0]));
});

interface Haul {
  stack: Stack;
  sent: RequestRecord[];
  spans: SpanRecord[];
  errors: ErrorRecord[];
  logs: LogRecord[];
  fidelity: RequestFidelity[];
}

async function runCombination(observability: string, vendors: SandboxVendor[]): Promise<Haul> {
  const stack = await startStack({ observability, env: { CHAOS: 'incident', CHAOS_SEED: '3' } });
  const sent: RequestRecord[] = [];
  await runLoad({
    target: stack.activitiesUrl,
    requests: REQUESTS,
    concurrency: 4,
    seed: LOAD_SEED,
    runId: stack.runId,
    onRequest: (record) => sent.push(record),
  });
  const fidelity = await rootFidelity({
    store: stack.sandbox!.store,
    target: stack.activitiesUrl,
    targetPid: stack.activitiesPid,
    runId: stack.runId,
    seed: LOAD_SEED,
    vendors,
    sent,
  });
  // For the figures in docs/architecture.md: ROOT_FIDELITY_LOG=file appends every request's attempts as NDJSON.
  if (process.env.ROOT_FIDELITY_LOG) {
    const lines = fidelity.map((r) => JSON.stringify({ observability, ...r }));
    appendFileSync(process.env.ROOT_FIDELITY_LOG, `${lines.join('\n')}\n`);
  }
  // SIGTERM flushes every adapter: once both services have exited, everything any vendor will show is in.
  const exits = await stack.stop();
  expect(exits.map((e) => e.code)).toEqual([0, 0]);
  const exported = await (await fetch(`${stack.sandbox!.url}/api/export`)).text();
  const lines = exported
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { spans: SpanRecord[]; errors: ErrorRecord[]; logs: LogRecord[] });
  return {
    stack,
    sent,
    spans: lines.flatMap((l) => l.spans),
    errors: lines.flatMap((l) => l.errors),
    logs: lines.flatMap((l) => l.logs),
    fidelity,
  };
}

/** Where a span says it connects, in every vendor's spelling: URLs, `host:port` pairs and bare hosts. */
function targetsOf(span: SpanRecord): string[] {
  const text = (key: string) => {
    const value = span.attributes[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  };
  // OTel (old and new conventions), Datadog, X-Ray's http block, Sentry; and a URL in a span's name (Sentry's
  // transaction spans describe an outgoing call as `POST http://…`).
  const targets = ['http.url', 'url.full', 'http.request.url', 'http.host'].map(text);
  targets.push(...(span.name.match(/\bhttps?:\/\/\S+/g) ?? []));
  const pairs = [
    ['server.address', 'server.port'],
    ['net.peer.name', 'net.peer.port'],
    ['out.host', 'network.destination.port'],
    ['tcp.remote.host', 'tcp.remote.port'],
  ];
  for (const [host, port] of pairs)
    if (text(host)) targets.push([text(host), text(port)].filter(Boolean).join(':'));
  // X-Ray names an HTTP call's subsegment after the host it called.
  if (span.attributes['xray.namespace'] === 'remote' && text('http.request.url')) targets.push(span.name);
  // A CloudWatch Logs API call is the cloudwatch adapter shipping logs, whatever its transport.
  if (/cloudwatch\s*logs/i.test(`${text('aws.service')} ${text('aws_service')} ${text('rpc.service')}`))
    targets.push('logs.amazonaws.com');
  return targets.filter(Boolean);
}

/**
 * The activities or users service. A bare loopback host (X-Ray's subsegment name) can't be told apart, so it
 * passes; a URL without a port means port 80 or 443, which neither service listens on.
 */
function isAppTarget(target: string, appPorts: Set<string>): boolean {
  let host: string;
  let port: string;
  if (target.includes('://')) {
    const url = new URL(target);
    host = url.hostname;
    port = url.port || (url.protocol === 'https:' ? '443' : '80');
  } else {
    const pair = /^(.+):(\d+)$/.exec(target);
    if (!pair) return LOOPBACK.has(target);
    [, host, port] = pair;
  }
  return LOOPBACK.has(host) && appPorts.has(port);
}

/** Text naming a sandbox port or a vendor intake, anywhere in a record. */
function egressPattern(stack: Stack): RegExp {
  const sandbox = stack.sandbox!;
  const ports = [sandbox.url, sandbox.otlpUrl, sandbox.datadogUrl, `http://${sandbox.xrayAddress}`].map(
    (url) => new URL(url).port,
  );
  const domains = VENDOR_INTAKE_DOMAINS.map((d) => d.replace(/\./g, '\\.'));
  return new RegExp(
    `(127\\.0\\.0\\.1|localhost|\\[::1\\]):(${ports.join('|')})\\b|\\b(${domains.join('|')})\\b`,
  );
}

describe.each(COMBINATIONS)('%s in one process', (observability) => {
  const adapters = observability.split(',') as AdapterName[];
  const vendorOf = (name: AdapterName) => sandboxVendorOf(name)!;
  const tracers = adapters.filter((name) => ADAPTER_SIGNALS[name].includes('traces'));
  let haul: Haul;

  beforeAll(async () => {
    haul = await runCombination(observability, tracers.map(vendorOf));
  }, 300_000);

  afterAll(async () => {
    await haul?.stack.close();
  });

  it('sent seeded load with failing replies', () => {
    expect(haul.sent).toHaveLength(REQUESTS);
    expect(haul.sent.filter((r) => r.route.endsWith('/reply') && r.status === 500).length).toBeGreaterThan(0);
  });

  it.each(tracers)(
    '%s: every outgoing call goes to the users service, none to the sandbox or a vendor',
    (name) => {
      const portOf = (url: string) => new URL(url).port;
      const appPorts = new Set([portOf(haul.stack.activitiesUrl), portOf(haul.stack.usersUrl)]);
      const usersPort = new Set([portOf(haul.stack.usersUrl)]);
      const spans = haul.spans.filter((s) => s.vendor === vendorOf(name));
      const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
      const parentOf = (s: SpanRecord) => byId.get(`${s.traceId}/${s.parentId}`);
      // The app's own queue calls (offline the queue is the sandbox's SQS emulator, on its main port), and the
      // HTTP request each of them makes: an app dependency like the users service, not a vendor upload.
      const queuePort = portOf(haul.stack.sandbox!.url);
      const isQueueCall = (s: SpanRecord | undefined): boolean =>
        s !== undefined && (/sqs/i.test(JSON.stringify(s.attributes)) || /^SQS\./.test(s.name));
      const toQueue = (span: SpanRecord, target: string) =>
        target.includes(`:${queuePort}`) && (isQueueCall(span) || isQueueCall(parentOf(span)));
      // Most requests call the users service: their client spans must be found, or this check means nothing.
      const usersCalls = spans.filter(
        (s) => s.kind === 'client' && targetsOf(s).some((t) => isAppTarget(t, usersPort)),
      );
      expect(usersCalls.length).toBeGreaterThan(0);
      const offending = spans.flatMap((span) =>
        targetsOf(span)
          .filter((target) => !isAppTarget(target, appPorts) && !toQueue(span, target))
          .map((target) => `${span.service} "${span.name}" → ${target}`),
      );
      expect([...new Set(offending)]).toEqual([]);
    },
  );

  it.each(adapters)(
    '%s: no error event, breadcrumb or log line mentions a sandbox or vendor endpoint',
    (name) => {
      const pattern = egressPattern(haul.stack);
      const records = [...haul.errors, ...haul.logs].filter((r) => r.vendor === vendorOf(name));
      const offending = records.map((r) => JSON.stringify(r).match(pattern)?.[0]).filter(Boolean);
      expect(offending).toEqual([]);
    },
  );

  // Outgoing calls only: framework spans (an Express handler's) may close after the response has gone, when the
  // handler's promise settles; an upload is an outgoing call.
  it.each(tracers)('%s: no outgoing call outlives its request', (name) => {
    const spans = haul.spans.filter((s) => s.vendor === vendorOf(name));
    const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
    const end = (s: SpanRecord) => s.startMs + s.durationMs;
    /** The server span of the request a span was recorded in: same process, so the same clock. */
    const requestOf = (span: SpanRecord) => {
      for (
        let p = byId.get(`${span.traceId}/${span.parentId}`);
        p;
        p = byId.get(`${p.traceId}/${p.parentId}`)
      )
        if (p.kind === 'server') return p;
      return undefined;
    };
    const late = spans.flatMap((span) => {
      const request = span.kind === 'client' ? requestOf(span) : undefined;
      if (!request || end(span) <= end(request) + TIMING_BOUND_MS) return [];
      return [
        `${span.service} "${span.name}" ends ${(end(span) - end(request)).toFixed(1)} ms after "${request.name}" ` +
          `(run ${correlationOf(request.attributes).runId}, seq ${correlationOf(request.attributes).seq})`,
      ];
    });
    expect(late).toEqual([]);
  });

  it.each(tracers)('%s: every request’s root lasts as long as the client saw it take', (name) => {
    const results = haul.fidelity.filter((r) => r.vendor === vendorOf(name));
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      haul.sent.map((r) => r.seq).sort((a, b) => a - b),
    );
    expect(describeMisses(results)).toEqual([]);
  });
});
