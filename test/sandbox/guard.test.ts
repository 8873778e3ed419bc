/**
 * Cross-site writes and DNS rebinding, against the real sandbox over loopback: a foreign `Host` and a foreign
 * `Origin` / `Sec-Fetch-Site` are refused on the JSON API, destructive routes and ingest, while what the UI and
 * the vendor SDKs send (no Origin, or the sandbox's own) keeps working.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxCommand } from '../../cli/sandbox';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { batch, error, meta } from './records';

const ephemeral = { port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 };

/** A raw request, so `Host` can be anything (fetch always sends the URL's). */
function request(
  base: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'text/plain' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const sentryEvent = () =>
  `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n${JSON.stringify({
    exception: { values: [{ type: 'CrossSite', value: 'written by a web page' }] },
  })}\n`;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ ...ephemeral, allowedHosts: ['sandbox'] });
  sandbox.store.accept('sentry', meta(), batch({ errors: [error('sentry', { message: 'kept' })] }));
});
afterAll(async () => {
  await sandbox?.close();
});

describe('Host allow-list (DNS rebinding)', () => {
  it('refuses a foreign Host on the API, destructive routes and every ingest listener', async () => {
    const evil = { host: 'evil.example' };
    const exported = await request(sandbox.url, { path: '/api/export', headers: evil });
    expect(exported.status).toBe(403);
    expect(JSON.parse(exported.body).error).toMatch(/Host "evil.example" is not answered.*DNS rebinding/);
    expect(exported.body).not.toContain('kept');
    expect((await request(sandbox.url, { method: 'DELETE', path: '/api/data', headers: evil })).status).toBe(
      403,
    );
    expect(sandbox.store.size.errors).toBe(1);
    const otlp = await request(sandbox.otlpUrl, {
      method: 'POST',
      path: '/v1/traces',
      headers: { ...evil, 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    expect(otlp.status).toBe(403);
    expect(
      (await request(sandbox.datadogUrl, { path: '/info', headers: { host: 'evil.example:8126' } })).status,
    ).toBe(403);
  });

  it('answers loopback names, IP addresses, any port, and names given with allowedHosts', async () => {
    const port = new URL(sandbox.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST',
      `[::1]:${port}`,
      `10.0.0.7:${port}`,
      `sandbox:${port}`,
    ]) {
      expect((await request(sandbox.url, { path: '/api/health', headers: { host } })).status, host).toBe(200);
    }
    expect(
      (await request(sandbox.url, { path: '/api/health', headers: { host: 'sandbox.evil.example' } })).status,
    ).toBe(403);
  });
});

describe('cross-site requests', () => {
  it('refuses a text/plain import and a Sentry envelope posted from another origin, storing nothing', async () => {
    const before = sandbox.store.vendors().find((v) => v.vendor === 'sentry')!.payloads;
    const line = JSON.stringify({ vendor: 'otlp', payload: null, spans: [], errors: [], logs: [] });
    const imported = await request(sandbox.url, {
      method: 'POST',
      path: '/api/import',
      headers: { origin: 'http://evil.example' },
      body: line,
    });
    expect(imported.status).toBe(403);
    expect(imported.body).toMatch(/cross-site request refused: Origin http:\/\/evil.example/);
    const envelope = await request(sandbox.url, {
      method: 'POST',
      path: '/api/1/envelope/?sentry_key=k',
      headers: { origin: 'http://evil.example' },
      body: sentryEvent(),
    });
    expect(envelope.status).toBe(403);
    expect(sandbox.store.vendors().find((v) => v.vendor === 'sentry')!.payloads).toBe(before);
    expect(sandbox.store.listErrors().some((e) => e.type === 'CrossSite')).toBe(false);
  });

  it('refuses cross-site and same-site fetch metadata and an opaque origin on the API', async () => {
    for (const headers of <Array<Record<string, string>>>[
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { origin: `http://localhost:1` },
    ]) {
      const res = await request(sandbox.url, { path: '/api/export', headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    const del = await request(sandbox.url, {
      method: 'DELETE',
      path: '/api/data',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(del.status).toBe(403);
    expect(sandbox.store.size.errors).toBeGreaterThan(0);
  });

  it('serves its own UI origin, a page load from anywhere, and SDKs that send no Origin', async () => {
    const own = { origin: sandbox.url, 'sec-fetch-site': 'same-origin' };
    expect((await request(sandbox.url, { path: '/api/errors', headers: own })).status).toBe(200);
    const page = await request(sandbox.url, { path: '/', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/bakeoff/);
    // What @sentry/node sends: no Origin, no content-type.
    const sdk = await fetch(`${sandbox.url}/api/1/envelope/?sentry_key=k`, {
      method: 'POST',
      body: sentryEvent(),
    });
    expect(sdk.status).toBe(200);
    expect(sandbox.store.listErrors().some((e) => e.type === 'CrossSite')).toBe(true);
  });
});

describe('bakeoff sandbox --allow-host', () => {
  it('answers the named host, and still refuses others', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const args = ['--port', '0', '--otlp-port', '0', '--datadog-port', '0', '--xray-port', '0'];
    const running = runSandboxCommand([...args, '--allow-host', 'sandbox,bakeoff.internal'], {
      out: (l) => lines.push(l),
      stopSignal,
    });
    while (!lines.some((l) => l.includes('X-Ray daemon'))) await new Promise((r) => setTimeout(r, 10));
    const ui = lines.find((l) => l.includes('UI + JSON API'))!.match(/http:\/\/\S+/)![0];
    for (const host of ['sandbox:4400', 'bakeoff.internal'])
      expect((await request(ui, { path: '/api/health', headers: { host } })).status, host).toBe(200);
    expect((await request(ui, { path: '/api/health', headers: { host: 'evil.example' } })).status).toBe(403);
    stop();
    await running;
  });
});
