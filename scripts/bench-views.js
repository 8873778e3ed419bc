#!/usr/bin/env node
/**
 * View API benchmark (issue 14): fills a sandbox store to its default cap (200 000 spans) with real multi-vendor
 * data, then times each console view's API over HTTP against the real sandbox server, in this process.
 *
 *   npx bakeoff compare --requests 200 --seed 42 --out reports/check     # once: real data from every SDK
 *   npm run build && npx node scripts/bench-views.js [--from reports/check/sandbox.ndjson] [--runs 7] [--json]
 *
 * The data is a sandbox export (`bakeoff compare` writes one as sandbox.ndjson; `GET /api/export` gives one
 * from any sandbox): what the six vendors' SDKs sent for the same seeded requests. It is replayed copy after
 * copy, each copy with its own trace and span ids, run id and a later start time, until the store holds the
 * cap, so every view scans a full store of realistic shapes. Each endpoint is called once to warm up, then
 * `--runs` times; the figures are the median and the slowest, in ms, including JSON serialization.
 *
 * Views are entries of `VIEWS` below: `{ view, name, path(ctx) }`, where `ctx` holds the latest run, one of its
 * seqs, trace ids and a search cursor.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: path.join(__dirname, '..', 'reports', 'check', 'sandbox.ndjson') },
    runs: { type: 'string', default: '7' },
    // Real spans average ~1.3 kB, so the default 256 MiB budget binds before 200 000 spans do; the issue's
    // bar is the span cap, so the budget is raised to let the store reach it (`--max-bytes 268435456` for both
    // default caps).
    'max-bytes': { type: 'string', default: String(1024 * 2 ** 20) },
    json: { type: 'boolean', default: false },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);
const enc = encodeURIComponent;

/** The timed endpoints. Add a view by adding an entry. */
const VIEWS = [
  { view: 'search', name: 'newest traces, all vendors', path: () => '/api/search/traces?limit=100' },
  {
    view: 'search',
    name: 'xray · attr app.user_handle=ada · errors',
    path: () => '/api/search/traces?vendor=xray&attr=app.user_handle%3Dada&errors=1',
  },
  {
    view: 'search',
    name: 'attr app.user_handle=ada · slowest first',
    path: () => '/api/search/traces?attr=app.user_handle%3Dada&sort=duration&limit=100',
  },
  {
    view: 'search',
    name: 'injected delay · minMs=100 · one run',
    path: (ctx) => `/api/search/traces?chaos=delay&minMs=100&run=${enc(ctx.run)}`,
  },
  {
    view: 'search',
    name: 'page 2 (cursor past the newest 200)',
    path: (ctx) => `/api/search/traces?limit=200&cursor=${ctx.cursor}`,
  },
  { view: 'logs', name: 'newest lines', path: () => '/api/search/logs' },
  { view: 'logs', name: 'level=error · text', path: () => '/api/search/logs?level=error%2Cfatal&text=500' },
  { view: 'logs', name: 'field user.handle=ada', path: () => '/api/search/logs?field=user.handle%3Dada' },
  {
    view: 'logs',
    name: "one trace's lines (trace page)",
    path: (ctx) => `/api/search/logs?trace=${enc(ctx.traceId)}`,
  },
  {
    view: 'side by side',
    name: 'request picker + span names',
    path: (ctx) => `/api/compare/${enc(ctx.run)}?seq=${ctx.seq}`,
  },
  {
    view: 'side by side',
    name: 'columns (/api/runs/:run/requests?seq)',
    path: (ctx) => `/api/runs/${enc(ctx.run)}/requests?seq=${ctx.seq}`,
  },
  {
    view: 'service map',
    name: 'every vendor side by side · one run',
    path: (ctx) => `/api/service-map?run=${enc(ctx.run)}`,
  },
  { view: 'service map', name: 'every vendor · every run (whole store)', path: () => '/api/service-map' },
  { view: 'service map', name: 'xray · every run', path: () => '/api/service-map?vendor=xray' },
  {
    view: 'latency',
    name: 'by app.user_handle · every vendor · one run',
    path: (ctx) => `/api/latency?by=app.user_handle&run=${enc(ctx.run)}`,
  },
  { view: 'latency', name: 'by route · every vendor · every run', path: () => '/api/latency?by=route' },
  {
    view: 'latency',
    name: 'by chaos.rule · datadog · a cell',
    path: () => '/api/latency?by=chaos.rule&vendor=datadog&cell=datadog:6:20',
  },
  { view: 'issues', name: 'error groups · every vendor · every run', path: () => '/api/error-groups' },
  { view: 'issues', name: 'error groups · one run', path: (ctx) => `/api/error-groups?run=${enc(ctx.run)}` },
  {
    view: 'issues',
    name: 'one group: stack, native fields, linked traces',
    path: (ctx) => `/api/error-groups/${enc(ctx.groupId)}`,
  },
];

/** Rewrites one record's ids for copy `n`, so every copy is a distinct set of traces of its own run. */
function copier(n, shiftMs) {
  if (n === 0) return (line) => line;
  const id = (v) => (typeof v === 'string' && v !== '' ? `${v}c${n}` : v);
  const run = (v) => (typeof v === 'string' && v !== '' ? `${v}-copy${n}` : v);
  const attrs = (a) => {
    if (!a) return a;
    const out = { ...a };
    for (const k of ['trace_id', 'xray_trace_id', 'dd.trace_id', 'sentry_trace_id'])
      if (k in out) out[k] = id(String(out[k]));
    for (const k of ['bakeoff.run_id', 'bakeoff_run_id']) if (k in out) out[k] = run(out[k]);
    return out;
  };
  const natives = (bags) => {
    if (!bags) return bags;
    const out = {};
    for (const [name, bag] of Object.entries(bags)) out[name] = attrs(bag);
    return out;
  };
  return (line) => ({
    ...line,
    payload: null,
    spans: line.spans.map((s) => ({
      ...s,
      traceId: id(s.traceId),
      spanId: id(s.spanId),
      parentId: s.parentId === null ? null : id(s.parentId),
      startMs: s.startMs + shiftMs,
      attributes: attrs(s.attributes),
      native: natives(s.native),
      events: s.events?.map((e) => ({ ...e, timeMs: e.timeMs + shiftMs })),
    })),
    errors: line.errors.map((e) => ({
      ...e,
      traceId: id(e.traceId),
      spanId: id(e.spanId),
      runId: run(e.runId),
      timestamp: e.timestamp + shiftMs,
      attributes: attrs(e.attributes),
      native: natives(e.native),
    })),
    logs: line.logs.map((l) => ({
      ...l,
      traceId: id(l.traceId),
      spanId: id(l.spanId),
      runId: run(l.runId),
      timestamp: l.timestamp + shiftMs,
      attributes: attrs(l.attributes),
    })),
  });
}

function readExport(file) {
  if (!fs.existsSync(file)) {
    log(`No sandbox export at ${file}. Make one with real data from every SDK:`);
    log('  npx bakeoff compare --requests 200 --seed 42 --out reports/check');
    process.exit(2);
  }
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l) => l.spans.length + l.errors.length + l.logs.length > 0);
  let first = Infinity;
  let last = -Infinity;
  for (const l of lines)
    for (const s of l.spans) {
      first = Math.min(first, s.startMs);
      last = Math.max(last, s.startMs + s.durationMs);
    }
  return { lines, spanMs: Math.max(1000, last - first) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Wall time, and this process's CPU time over the call (server and client share the process): on a busy shared
 * machine the CPU figure shows the work itself, the wall figure what a user waits.
 */
async function timed(url) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return { ms, cpuMs, bytes: body.length };
}

async function main() {
  const { startSandbox } = require(path.join(__dirname, '..', 'dist', 'sandbox', 'server.js'));
  const sandbox = await startSandbox({
    port: 0,
    otlpPort: 0,
    datadogPort: 0,
    xrayPort: 0,
    caps: { maxBytes: Number(values['max-bytes']) },
  });
  const { store } = sandbox;
  const { lines, spanMs } = readExport(values.from);
  const cap = store.caps.maxSpans;
  let copies = 0;
  const fillStart = performance.now();
  // Until the span cap is reached, or the byte budget stops the store growing (it evicts the oldest instead).
  for (let before = -1; store.size.spans < cap && store.size.spans > before; copies++) {
    before = store.size.spans;
    const copy = copier(copies, copies * (spanMs + 1000));
    for (const line of lines) store.replay([copy(line)]);
  }
  const held = store.size;
  log(
    `store filled in ${Math.round(performance.now() - fillStart)} ms: ${copies} copies of ${path.basename(values.from)}, ` +
      `${held.spans} spans, ${held.traces} traces, ${held.errors} errors, ${held.logs} logs, ${(held.bytes / 2 ** 20).toFixed(0)} MiB`,
  );

  // The context the paths need: the newest run, one of its seqs, an X-Ray trace id of it, a search cursor.
  const [latest] = await (await fetch(`${sandbox.url}/api/runs`)).json();
  const compare = await (await fetch(`${sandbox.url}/api/compare/${enc(latest.runId)}`)).json();
  const xray = await (await fetch(`${sandbox.url}/api/search/traces?vendor=xray&limit=1`)).json();
  const page1 = await (await fetch(`${sandbox.url}/api/search/traces?limit=200`)).json();
  const ctx = {
    run: latest.runId,
    seq: compare.requests[0]?.seq ?? 1,
    traceId: xray.traces[0]?.traceId ?? '',
    cursor: page1.nextCursor,
    groupId:
      (await (await fetch(`${sandbox.url}/api/error-groups?vendor=sentry`)).json())[0]?.id ??
      'sentry-00000000',
  };

  const runs = Number(values.runs);
  const results = [];
  for (const v of VIEWS) {
    const url = `${sandbox.url}${v.path(ctx)}`;
    await timed(url); // warm-up: first-time caches (per-trace facts) fill here
    const times = [];
    const cpu = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const r = await timed(url);
      times.push(r.ms);
      cpu.push(r.cpuMs);
      bytes = r.bytes;
    }
    const row = {
      view: v.view,
      name: v.name,
      medianMs: +median(times).toFixed(1),
      maxMs: +Math.max(...times).toFixed(1),
      cpuMs: +median(cpu).toFixed(1),
      bytes,
    };
    results.push(row);
    log(
      `${v.view.padEnd(13)} ${v.name.padEnd(44)} median ${String(row.medianMs).padStart(7)} ms   ` +
        `max ${String(row.maxMs).padStart(7)} ms   cpu ${String(row.cpuMs).padStart(7)} ms`,
    );
  }
  await sandbox.close();
  const out = { spans: held.spans, traces: held.traces, errors: held.errors, logs: held.logs, runs, results };
  if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(
      '| view | query | median ms | max ms | CPU ms (median) |\n| --- | --- | ---: | ---: | ---: |\n',
    );
    for (const r of results)
      process.stdout.write(`| ${r.view} | ${r.name} | ${r.medianMs} | ${r.maxMs} | ${r.cpuMs} |\n`);
  }
}

main().catch((err) => {
  log(err.stack || String(err));
  process.exit(1);
});
