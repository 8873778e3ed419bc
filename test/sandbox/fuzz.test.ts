/**
 * Throws thousands of random, truncated and mutated payloads at every ingest route: each must be answered
 * (2xx for what still parses, 4xx otherwise — never a 5xx or a dropped connection), the server must keep
 * serving, and memory must stay bounded by the store's caps.
 */
import dgram from 'node:dgram';
import { gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniform01 } from '../../app/chaos/random';
import { type Sandbox, startSandbox } from '../../sandbox/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    otlpPort: 0,
    datadogPort: 0,
    xrayPort: 0,
    caps: { maxSpans: 2000, maxErrors: 500, maxLogs: 500, maxPayloads: 2000 },
  });
});
afterAll(async () => {
  await sandbox?.close();
});

/** A deterministic byte source, so a failure reproduces. */
function rng(seed: number) {
  let i = 0;
  return () => uniform01(seed, 'fuzz', i++, 'byte');
}

const now = Date.now() / 1000;

/** ExportTraceServiceRequest { resource_spans { scope_spans { spans { trace_id span_id name start end } } } } */
function otlpProtoSpan(): Buffer {
  const field = (tag: number, bytes: Buffer) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
  const fixed64 = (tag: number, value: bigint) => {
    const b = Buffer.alloc(9);
    b[0] = tag;
    b.writeBigUInt64LE(value, 1);
    return b;
  };
  const span = Buffer.concat([
    field(0x0a, Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex')),
    field(0x12, Buffer.from('b7ad6b7169203331', 'hex')),
    field(0x2a, Buffer.from('x')),
    fixed64(0x39, 1_700_000_000_000_000_000n),
    fixed64(0x41, 1_700_000_000_100_000_000n),
  ]);
  return field(0x0a, field(0x12, field(0x12, span)));
}
const VALID: Record<
  string,
  { route: string; port: 'main' | 'otlp' | 'datadog'; body: Buffer; headers: Record<string, string> }
> = {
  otlpJson: {
    route: '/v1/traces',
    port: 'otlp',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    name: 'x',
                    kind: 2,
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: '1700000000100000000',
                  },
                ],
              },
            ],
          },
        ],
      }),
    ),
  },
  otlpProto: {
    route: '/v1/traces',
    port: 'main',
    headers: { 'content-type': 'application/x-protobuf' },
    body: otlpProtoSpan(),
  },
  datadog: {
    route: '/v0.4/traces',
    port: 'datadog',
    headers: { 'content-type': 'application/msgpack' },
    body: Buffer.from(
      encode([
        [
          {
            trace_id: 1,
            span_id: 2,
            parent_id: 0,
            name: 'x',
            resource: 'r',
            service: 's',
            start: 1,
            duration: 2,
            meta: {},
            metrics: {},
          },
        ],
      ]),
    ),
  },
  sentry: {
    route: '/api/1/envelope/?sentry_key=k',
    port: 'main',
    headers: {},
    body: Buffer.from(
      `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n${JSON.stringify({
        exception: { values: [{ type: 'E', value: 'v' }] },
        timestamp: now,
      })}\n`,
    ),
  },
  rollbar: {
    route: '/api/1/item/',
    port: 'main',
    headers: { 'content-type': 'application/json', 'x-rollbar-access-token': 't' },
    body: Buffer.from(JSON.stringify({ data: { level: 'error', body: { message: { body: 'm' } } } })),
  },
  cloudwatch: {
    route: '/',
    port: 'main',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Logs_20140328.DescribeLogGroups',
    },
    body: Buffer.from(JSON.stringify({ logGroupNamePrefix: 'bakeoff' })),
  },
};

function mutate(body: Buffer, next: () => number): Buffer {
  const choice = next();
  if (choice < 0.25) return body.subarray(0, Math.floor(next() * body.length)); // truncated
  if (choice < 0.5) {
    const copy = Buffer.from(body);
    for (let k = 0; k < 1 + next() * 8; k++)
      copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
    return copy; // bytes flipped
  }
  if (choice < 0.6) return gzipSync(mutate(body, next)); // compressed garbage
  const random = Buffer.alloc(Math.floor(next() * 600));
  for (let k = 0; k < random.length; k++) random[k] = Math.floor(next() * 256);
  return random; // pure noise
}

describe('sandbox ingest fuzzing', () => {
  it('answers thousands of bad payloads on every HTTP route with 2xx/4xx and keeps serving', async () => {
    const next = rng(7);
    const base = { main: sandbox.url, otlp: sandbox.otlpUrl, datadog: sandbox.datadogUrl };
    const statuses = new Map<number, number>();
    const heapBefore = process.memoryUsage().heapUsed;
    const entries = Object.values(VALID);
    for (let round = 0; round < 400; round++) {
      await Promise.all(
        entries.map(async (target) => {
          const body = mutate(target.body, next);
          const gzip = body[0] === 0x1f && body[1] === 0x8b;
          const res = await fetch(`${base[target.port]}${target.route}`, {
            method: target.route.startsWith('/v0.4') ? 'PUT' : 'POST',
            headers: { ...target.headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
            body,
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }),
      );
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(400 * entries.length);
    const serverErrors = [...statuses.entries()].filter(([status]) => status >= 500);
    expect(serverErrors, JSON.stringify(Object.fromEntries(statuses))).toEqual([]);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
    // Still serving, and the valid payloads still land.
    for (const target of entries) {
      const res = await fetch(`${base[target.port]}${target.route}`, {
        method: target.route.startsWith('/v0.4') ? 'PUT' : 'POST',
        headers: target.headers,
        body: target.body,
      });
      expect(res.status, target.route).toBeLessThan(300);
    }
    expect((await fetch(`${sandbox.url}/api/health`)).status).toBe(200);
    // Bounded: the caps hold however much arrives.
    global.gc?.();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    const vendors = (await (await fetch(`${sandbox.url}/api/vendors`)).json()) as Array<{ payloads: number }>;
    expect(vendors.reduce((sum, v) => sum + v.payloads, 0)).toBeGreaterThan(0);
  }, 120_000);

  it('survives random X-Ray datagrams', async () => {
    const next = rng(11);
    const socket = dgram.createSocket('udp4');
    const [host, port] = sandbox.xrayAddress.split(':');
    const valid = `{"format":"json","version":1}\n${JSON.stringify({
      name: 'fuzz',
      id: '70de5b6f19ff9a0a',
      trace_id: '1-581cf771-a006649127e371903a2de979',
      start_time: now,
      end_time: now + 0.1,
    })}`;
    for (let i = 0; i < 1000; i++) {
      const datagram = mutate(Buffer.from(valid), next);
      await new Promise<void>((resolve) => socket.send(datagram, Number(port), host, () => resolve()));
    }
    // A burst of datagrams can overflow the socket's receive buffer; the valid one goes last, after a pause.
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve) =>
      socket.send(Buffer.from(valid), Number(port), host, () => resolve()),
    );
    socket.close();
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${sandbox.url}/api/health`)).status).toBe(200);
    const traces = (await (await fetch(`${sandbox.url}/api/traces?vendor=xray`)).json()) as Array<{
      traceId: string;
    }>;
    expect(traces.some((t) => t.traceId === '1-581cf771-a006649127e371903a2de979')).toBe(true);
  }, 60_000);
});
