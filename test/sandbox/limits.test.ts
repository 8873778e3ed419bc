/**
 * Bounds on what the sandbox accepts and keeps, against the real server over loopback: request size and time,
 * depth, value size, the byte budget, all-or-nothing ingest, streamed import and export, and API answers that
 * stay whole however big the data.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, parseNdjson } from '../../sandbox/persist';
import { createSandboxApp, type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox/server';
import { SandboxStore } from '../../sandbox/store';
import { batch, error, log, meta, span } from './records';

const ephemeral = { port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ ...ephemeral, ...options });
  cleanups.push(() => sandbox.close());
  return sandbox;
}
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-limits-'));
const journalLines = (dir: string) =>
  fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').split('\n').filter(Boolean);

/** Headers only (the body is never sent); resolves with what came back and whether the server closed. */
function headersOnly(base: string, head: string): Promise<{ response: string; closed: boolean }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(head));
    let response = '';
    socket.on('data', (d) => (response += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, closed: true }));
  });
}

function sentryEnvelope(event: unknown): string {
  return `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
}

/** `{d: {d: … {password: 'p'}}}` as JSON text, `levels` deep, built as text (JSON.stringify would overflow). */
function deepJson(levels: number): string {
  return `${'{"d":'.repeat(levels)}{"password":"deep-secret-1"}${'}'.repeat(levels)}`;
}

describe('request size and time', () => {
  it('answers 413 from Content-Length at once on every ingest route, and closes without reading the body', async () => {
    const sandbox = await start();
    const declared = 'Content-Length: 50000000\r\n';
    const cases: Array<[string, string]> = [
      [sandbox.url, 'POST /api/1/envelope/?sentry_key=k HTTP/1.1'],
      [sandbox.url, 'POST /api/1/item/ HTTP/1.1'],
      [sandbox.url, 'POST / HTTP/1.1\r\nX-Amz-Target: Logs_20140328.PutLogEvents'],
      [sandbox.otlpUrl, 'POST /v1/traces HTTP/1.1\r\nContent-Type: application/x-protobuf'],
      [sandbox.datadogUrl, 'PUT /v0.4/traces HTTP/1.1'],
      [sandbox.url, 'POST /api/import HTTP/1.1\r\nContent-Length: 300000000\r\nX-Ignore: 1'],
    ];
    for (const [base, start] of cases) {
      const length = start.includes('Content-Length') ? '' : declared;
      const { response, closed } = await headersOnly(base, `${start}\r\nHost: 127.0.0.1\r\n${length}\r\n`);
      expect(response, start).toMatch(/^HTTP\/1\.1 413 /);
      expect(response.toLowerCase(), start).toContain('connection: close');
      expect(closed).toBe(true);
    }
  });

  it('closes a request whose body trickles in past the request timeout', async () => {
    const sandbox = await start({ timeouts: { headersMs: 200, requestMs: 400 } });
    const url = new URL(sandbox.url);
    const result = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.write('POST /api/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{');
      });
      let response = '';
      // One byte every 100 ms: never done within the request timeout.
      const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
      socket.on('data', (d) => (response += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(trickle);
        resolve(response);
      });
    });
    expect(result).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${sandbox.url}/api/health`)).status).toBe(200);
  });

  it('refuses a bad import line as soon as it arrives, before the body ends, storing nothing', async () => {
    const sandbox = await start();
    const url = new URL(sandbox.url);
    const good = JSON.stringify({ vendor: 'otlp', payload: null, spans: [], errors: [], logs: [] });
    const response = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        // 10 MB declared, two lines sent, the rest never: a buffering reader would wait forever.
        socket.write(`POST /api/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n`);
        socket.write(`${good}\n{not json\n`);
      });
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain('line 2: not valid JSON');
    expect(sandbox.store.vendors().every((v) => v.payloads === 0)).toBe(true);
  });
});

describe('streamed import', () => {
  it('takes a gzip body and refuses one that is not gzip with a 400', async () => {
    const sandbox = await start();
    const line = JSON.stringify({
      vendor: 'otlp',
      payload: null,
      spans: [span('otlp', 'z', 's')],
      errors: [],
      logs: [],
    });
    const headers = { 'content-encoding': 'gzip' };
    const ok = await fetch(`${sandbox.url}/api/import`, {
      method: 'POST',
      headers,
      body: gzipSync(`${line}\n`),
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { imported: { spans: number } }).imported.spans).toBe(1);
    const bad = await fetch(`${sandbox.url}/api/import`, { method: 'POST', headers, body: line });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/cannot decode gzip body/);
    expect(sandbox.store.size.spans).toBe(1);
  });
});

describe('depth', () => {
  it('keeps a Sentry event nested 20 000 levels deep: every API answer and the export stay whole', async () => {
    const dir = tempDir();
    const sandbox = await start({ dataDir: dir });
    sandbox.store.accept('otlp', meta(), batch({ spans: [span('otlp', 't1', 's1')] }));
    sandbox.store.accept('rollbar', meta(), batch({ errors: [error('rollbar')] }));
    const event = `{"exception":{"values":[{"type":"Deep","value":"v"}]},"extra":${deepJson(20_000)}}`;
    const body = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n${event}\n`;
    expect(body.length).toBeLessThan(200_000);
    const ingest = await fetch(`${sandbox.url}/api/1/envelope/?sentry_key=k`, { method: 'POST', body });
    expect(ingest.status).toBe(200);

    const errors = await fetch(`${sandbox.url}/api/errors`);
    expect(errors.status).toBe(200);
    const list = (await errors.json()) as Array<{ type: string }>;
    expect(list.map((e) => e.type).sort()).toEqual(['Deep', 'Error']);
    expect(JSON.stringify(list)).toContain('[truncated: nested deeper than');
    expect(JSON.stringify(list)).not.toContain('deep-secret-1');

    const exported = await (await fetch(`${sandbox.url}/api/export`)).text();
    const lines = parseNdjson(exported);
    expect(
      lines
        .flatMap((l) => l.errors)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['Deep', 'Error']);
    expect(lines.flatMap((l) => l.spans)).toHaveLength(1);
    // Memory and journal agree: what was answered 200 is on disk, and a restart gets it back.
    expect(journalLines(dir)).toHaveLength(3);
    await sandbox.close();
    const again = await start({ dataDir: dir });
    expect(again.replayed).toEqual({ lines: 3, skipped: 0 });
    expect(
      again.store
        .listErrors()
        .map((e) => e.type)
        .sort(),
    ).toEqual(['Deep', 'Error']);
  });

  it('bounds depth in Rollbar items and in /api/import too', async () => {
    const sandbox = await start();
    const item = `{"data":{"level":"error","body":{"message":{"body":"deep item"}},"custom":${deepJson(20_000)}}}`;
    const rollbar = await fetch(`${sandbox.url}/api/1/item/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollbar-access-token': 't' },
      body: item,
    });
    expect(rollbar.status).toBe(200);
    const record = JSON.stringify(error('otlp', { type: 'DeepImport' })).replace(
      '"attributes":{}',
      `"attributes":{"deep":${deepJson(20_000)}}`,
    );
    const line = `{"vendor":"otlp","payload":null,"spans":[],"errors":[${record}],"logs":[]}`;
    const imported = await fetch(`${sandbox.url}/api/import`, { method: 'POST', body: line });
    expect(imported.status).toBe(200);
    const errors = await fetch(`${sandbox.url}/api/errors`);
    expect(errors.status).toBe(200);
    expect(((await errors.json()) as Array<{ type: string }>).map((e) => e.type).sort()).toEqual([
      'DeepImport',
      'message',
    ]);
    const exported = await fetch(`${sandbox.url}/api/export`);
    expect(parseNdjson(await exported.text()).flatMap((l) => l.errors)).toHaveLength(2);
  });
});

describe('all-or-nothing ingest', () => {
  it('answers an error and keeps nothing in memory when the journal cannot be written', async () => {
    const store = new SandboxStore({
      journal: {
        append: () => {
          throw new Error('disk full');
        },
        clear: () => {},
      },
    });
    const server = http.createServer(createSandboxApp(store));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const res = await fetch(`${base}/api/1/envelope/?sentry_key=k`, {
      method: 'POST',
      body: sentryEnvelope({ exception: { values: [{ type: 'E', value: 'v' }] } }),
    });
    expect(res.status).toBe(500);
    expect(store.size.errors).toBe(0);
    expect(store.vendors().find((v) => v.vendor === 'sentry')!.payloads).toBe(0);
    expect((await fetch(`${base}/api/errors`)).status).toBe(200);
  });
});

describe('value size and the byte budget', () => {
  // The 95 MB case of the issue is in scripts/bench-sandbox.js (it measures RSS); 12 MB shows the same bound.
  it('truncates a 12 MB value from a small gzip envelope, with a marker giving its size', async () => {
    const dir = tempDir();
    const sandbox = await start({ dataDir: dir });
    const huge = 'x'.repeat(12 * 1024 * 1024);
    const body = gzipSync(
      sentryEnvelope({ exception: { values: [{ type: 'Big', value: 'v' }] }, extra: { huge } }),
    );
    expect(body.length).toBeLessThan(200_000);
    const res = await fetch(`${sandbox.url}/api/1/envelope/?sentry_key=k`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(200);
    const errors = await fetch(`${sandbox.url}/api/errors`);
    expect(errors.status).toBe(200);
    const [stored] = (await errors.json()) as Array<{ attributes: Record<string, string> }>;
    expect(stored.attributes.huge).toMatch(/^x+… \[truncated: 12582912 bytes\]$/);
    expect(stored.attributes.huge.length).toBeLessThanOrEqual(64 * 1024);
    expect(fs.statSync(path.join(dir, JOURNAL_FILE)).size).toBeLessThan(200_000);
    expect(sandbox.store.size.bytes).toBeLessThan(200_000);
  });

  it('evicts the oldest records past the byte budget, counting everything received', async () => {
    const maxBytes = 1024 * 1024;
    const sandbox = await start({ caps: { maxBytes } });
    const value = 'v'.repeat(60_000);
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${sandbox.url}/api/1/item/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-rollbar-access-token': 't' },
        body: JSON.stringify({
          data: { level: 'error', body: { message: { body: `item ${i}` } }, custom: { value } },
        }),
      });
      expect(res.status).toBe(200);
    }
    const health = (await (await fetch(`${sandbox.url}/api/health`)).json()) as {
      stored: { bytes: number; errors: number };
      caps: { maxBytes: number };
    };
    expect(health.caps.maxBytes).toBe(maxBytes);
    expect(health.stored.bytes).toBeLessThanOrEqual(maxBytes);
    expect(health.stored.errors).toBeLessThan(40);
    const messages = sandbox.store.listErrors().map((e) => e.message);
    expect(messages[0]).toBe('item 39');
    expect(messages).not.toContain('item 0');
    expect(sandbox.store.vendors().find((v) => v.vendor === 'rollbar')!.errors).toBe(40);
  });

  it('evicts across kinds by age: the oldest of spans, errors and logs goes first', () => {
    const filler = 'f'.repeat(900);
    const feed = (store: SandboxStore) => {
      // The oldest is the largest, so evicting it alone makes room for one more span.
      store.accept('sentry', meta(), batch({ errors: [error('sentry', { message: filler.repeat(2) })] }));
      store.accept('otlp', meta(), batch({ spans: [span('otlp', 't', 's', { name: filler })] }));
      store.accept('sentry', meta(), batch({ logs: [log('sentry', { message: filler })] }));
      store.accept('sentry', meta(), batch({ errors: [error('sentry', { message: `${filler}2` })] }));
    };
    // A budget that these four records fill exactly.
    const probe = new SandboxStore();
    feed(probe);
    const store = new SandboxStore({ caps: { maxBytes: probe.size.bytes } });
    feed(store);
    expect(store.size).toMatchObject({ errors: 2, spans: 1, logs: 1, bytes: probe.size.bytes });
    store.accept('otlp', meta(), batch({ spans: [span('otlp', 't', 's2', { name: filler })] }));
    expect(store.size).toMatchObject({ errors: 1, spans: 2, logs: 1 });
    expect(store.listErrors()[0].message).toBe(`${filler}2`);
    store.accept('otlp', meta(), batch({ spans: [span('otlp', 't', 's3', { name: filler })] }));
    expect(store.size).toMatchObject({ errors: 1, spans: 2, logs: 1 });
    expect(store.getTrace('otlp', 't')!.spans.map((s) => s.spanId)).toEqual(['s2', 's3']);
    expect(store.size.bytes).toBeLessThanOrEqual(probe.size.bytes);
  });

  it('stores a large value once, though the decoder puts it in attributes and in the native bag', async () => {
    const dir = tempDir();
    const sandbox = await start({ dataDir: dir });
    const blob = `blob-${'b'.repeat(20_000)}`;
    const res = await fetch(`${sandbox.url}/api/1/envelope/?sentry_key=k`, {
      method: 'POST',
      body: sentryEnvelope({ exception: { values: [{ type: 'Once', value: 'v' }] }, extra: { blob } }),
    });
    expect(res.status).toBe(200);
    const journal = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
    expect(journal.split(blob).length - 1).toBe(1);
    const [stored] = sandbox.store.listErrors();
    expect(stored.attributes.blob).toBe(blob);
    expect(stored.native.extra.blob).toBe('[stored once: see attributes["blob"]]');
  });
});

describe('answers that stay whole', () => {
  it('never reports a clean end for an export that failed part-way', async () => {
    const sandbox = await start();
    sandbox.store.accept('otlp', meta(), batch({ spans: [span('otlp', 't', 's')] }));
    const real = sandbox.store.exportLines.bind(sandbox.store);
    sandbox.store.exportLines = function* () {
      yield* real();
      throw new Error('store changed under the export');
    };
    // Whether the failure comes before or after the first bytes, the client must see an error, not an end.
    await expect(fetch(`${sandbox.url}/api/export`).then((res) => res.text())).rejects.toThrow();
  });

  it('serves a trace of 50 000 spans chained parent to child', async () => {
    const sandbox = await start();
    const spans = Array.from({ length: 50_000 }, (_, i) =>
      span('otlp', 'chain', `s${i}`, { parentId: i === 0 ? null : `s${i - 1}`, startMs: i }),
    );
    sandbox.store.accept('otlp', meta(), batch({ spans }));
    const res = await fetch(`${sandbox.url}/api/traces/otlp/chain`);
    expect(res.status).toBe(200);
    const trace = (await res.json()) as { spans: Array<{ spanId: string }> };
    expect(trace.spans).toHaveLength(50_000);
    expect(trace.spans.at(-1)!.spanId).toBe('s49999');
  }, 60_000);
});
