#!/usr/bin/env node
// The sandbox under hostile or heavy input, as a separate process (`bakeoff sandbox`) so its RSS is its own:
//   fill    — OTLP/JSON spans with a 2 KB attribute each until the byte budget is full: RSS, stored bytes, and
//             whether /api/traces, /api/errors and /api/export still answer whole
//   huge    — the issue's repro: 3 gzip'd Sentry envelopes (~100 kB each) carrying a ~95 MB `extra` value,
//             then 30 Rollbar items of 9 MB: peak RSS and the API's answers
//   import  — a 150 MB /api/import while /api/health is polled every 50 ms: the slowest health answer
//   slow    — a 50 MB Content-Length with no body (time to the 413) and a body trickling a byte a second
//             (time until the sandbox closes the socket)
//
// Usage: npm run build && node scripts/bench-sandbox.js [--only fill,huge,import,slow] [--max-bytes N] [--json]
const { spawn } = require('node:child_process');
const net = require('node:net');
const os = require('node:os');
const { gzipSync } = require('node:zlib');
const { memory, startSandbox: startSandboxProcess, stopSandbox: stop } = require('./sandbox-process');

const args = process.argv.slice(2);
const option = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const only = (option('only') ?? 'fill,huge,import,slow').split(',');
const maxBytes = option('max-bytes');
const asJson = args.includes('--json');

const startSandbox = () => startSandboxProcess(maxBytes ? ['--max-bytes', maxBytes] : []);

/** Status, size and time of a GET, and whether a JSON body parses / an NDJSON body's lines all parse. */
async function check(url) {
  const started = performance.now();
  try {
    const res = await fetch(url);
    const text = await res.text();
    let whole = true;
    try {
      if (url.includes('/api/export')) for (const l of text.split('\n').filter(Boolean)) JSON.parse(l);
      else JSON.parse(text);
    } catch {
      whole = false;
    }
    return {
      status: res.status,
      mb: Number((text.length / 1e6).toFixed(1)),
      whole,
      ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    return { status: 'failed', error: err.cause?.message ?? err.message };
  }
}

async function health(url) {
  return (await (await fetch(`${url}/api/health`)).json()).stored;
}

async function answers(url) {
  return {
    traces: await check(`${url}/api/traces?limit=100000`),
    errors: await check(`${url}/api/errors?limit=100000`),
    export: await check(`${url}/api/export`),
  };
}

async function fill() {
  const sandbox = await startSandbox();
  const attribute = 'a'.repeat(2048);
  let spans = 0;
  for (let batch = 0; ; batch++) {
    const list = Array.from({ length: 1000 }, (_, i) => ({
      traceId: (batch * 1000 + i + 1).toString(16).padStart(32, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      name: 'GET /activities',
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000100000000',
      attributes: [{ key: 'payload', value: { stringValue: `${batch}-${i}-${attribute}` } }],
    }));
    const res = await fetch(`${sandbox.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: list }] }] }),
    });
    if (res.status !== 200) throw new Error(`OTLP answered ${res.status}`);
    spans += list.length;
    const stored = await health(sandbox.url);
    // Full once eviction keeps it from growing: the spans held no longer match the spans sent.
    if (stored.spans < spans || spans >= 400_000) {
      const result = {
        sent: spans,
        stored,
        ...memory(sandbox.child.pid),
        answers: await answers(sandbox.url),
      };
      result.afterAnswers = memory(sandbox.child.pid);
      await stop(sandbox);
      return result;
    }
  }
}

async function huge() {
  const sandbox = await startSandbox();
  const value = 'x'.repeat(95 * 1024 * 1024);
  const envelope = (i) =>
    `{"event_id":"${String(i).padStart(32, '0')}"}\n{"type":"event"}\n` +
    `${JSON.stringify({ exception: { values: [{ type: 'Huge', value: `event ${i}` }] }, extra: { value } })}\n`;
  const sentry = [];
  for (let i = 0; i < 3; i++) {
    const body = gzipSync(envelope(i));
    const res = await fetch(`${sandbox.url}/api/1/envelope/?sentry_key=k`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body,
    });
    sentry.push({ gzipKb: Math.round(body.length / 1024), status: res.status });
  }
  const item = JSON.stringify({
    data: {
      level: 'error',
      body: { message: { body: 'big item' } },
      custom: { value: 'y'.repeat(9 * 1024 * 1024) },
    },
  });
  const rollbar = [];
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${sandbox.url}/api/1/item/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollbar-access-token': 't' },
      body: item,
    });
    rollbar.push(res.status);
  }
  const result = {
    sentry,
    rollbarStatuses: [...new Set(rollbar)],
    stored: await health(sandbox.url),
    ...memory(sandbox.child.pid),
    answers: await answers(sandbox.url),
  };
  await stop(sandbox);
  return result;
}

/** Polls the URL every 50 ms until stdin closes, then prints every answer's latency in ms as JSON. */
const POLLER = `
const url = process.argv[1];
const latencies = [];
let running = true;
process.stdin.on('end', () => (running = false)).resume();
(async () => {
  while (running) {
    const started = performance.now();
    await fetch(url).then((r) => r.arrayBuffer());
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stdout.write(JSON.stringify(latencies));
})();
`;

async function importWhilePolling() {
  const sandbox = await startSandbox();
  const spans = Array.from({ length: 200 }, (_, i) => ({
    vendor: 'otlp',
    traceId: 't',
    spanId: `s${i}`,
    parentId: null,
    name: 'GET /x',
    service: 'activities',
    kind: 'server',
    startMs: 1,
    durationMs: 1,
    attributes: { note: 'n'.repeat(500) },
    native: {},
    status: 'ok',
  }));
  const lines = [];
  let size = 0;
  for (let i = 0; size < 150 * 1024 * 1024; i++) {
    const line = `${JSON.stringify({ vendor: 'otlp', payload: null, receivedAt: 1, spans: spans.map((s) => ({ ...s, traceId: `t${i}` })), errors: [], logs: [] })}\n`;
    lines.push(line);
    size += line.length;
  }
  const body = Buffer.from(lines.join(''));
  // The poller is its own process: this one is busy sending 150 MB, which would delay its own timers.
  const poller = spawn(process.execPath, ['-e', POLLER, `${sandbox.url}/api/health`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let polled = '';
  poller.stdout.on('data', (d) => (polled += d));
  const pollerDone = new Promise((resolve) => poller.on('exit', resolve));
  await new Promise((r) => setTimeout(r, 500));
  const started = performance.now();
  const res = await fetch(`${sandbox.url}/api/import`, { method: 'POST', body });
  const imported = await res.json();
  const importMs = Math.round(performance.now() - started);
  poller.stdin.end();
  await pollerDone;
  const latencies = JSON.parse(polled);
  latencies.sort((a, b) => a - b);
  const result = {
    bodyMb: Math.round(body.length / 1e6),
    status: res.status,
    imported: imported.imported,
    importMs,
    healthPolls: latencies.length,
    healthMsP50: Math.round(latencies[Math.floor(latencies.length / 2)]),
    healthMsMax: Math.round(latencies.at(-1)),
    ...memory(sandbox.child.pid),
  };
  await stop(sandbox);
  return result;
}

/** Raw request; resolves with the ms until the first response byte and until the server closed the socket. */
function rawTiming(base, head, trickle) {
  const url = new URL(base);
  return new Promise((resolve) => {
    const started = performance.now();
    let firstByteMs = null;
    let response = '';
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(head));
    const timer = trickle ? setInterval(() => socket.writable && socket.write(' '), 1000) : null;
    socket.on('data', (d) => {
      firstByteMs ??= Math.round(performance.now() - started);
      response += d;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      resolve({
        status: response.split('\r\n')[0],
        firstByteMs,
        closedMs: Math.round(performance.now() - started),
      });
    });
  });
}

async function slow() {
  const sandbox = await startSandbox();
  const declared = (path, extra = '') =>
    rawTiming(
      sandbox.url,
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Content-Length: 50000000\r\n\r\n`,
    );
  const result = {
    sentry50MbNoBody: await declared('/api/1/envelope/?sentry_key=k'),
    rollbar50MbNoBody: await declared('/api/1/item/'),
    otlp50MbNoBody: await declared('/v1/traces', 'Content-Type: application/x-protobuf\r\n'),
    importTrickle: await rawTiming(
      sandbox.url,
      'POST /api/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n{',
      true,
    ),
  };
  await stop(sandbox);
  return result;
}

async function main() {
  const scenarios = { fill, huge, import: importWhilePolling, slow };
  const results = {};
  for (const name of only) {
    if (!scenarios[name])
      throw new Error(`unknown scenario ${name}: use ${Object.keys(scenarios).join(', ')}`);
    results[name] = await scenarios[name]();
    if (!asJson) console.log(name, JSON.stringify(results[name], null, 2));
  }
  const machine = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
  };
  if (asJson)
    process.stdout.write(
      `${JSON.stringify({ machine, maxBytes: maxBytes ?? 'default', results }, null, 2)}\n`,
    );
  else console.log('machine', JSON.stringify(machine));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
