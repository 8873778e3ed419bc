#!/usr/bin/env node
// Outage benchmark: p50/p99 latency and shutdown time of each adapter with a healthy vendor endpoint, with one
// that refuses connections and with one that hangs, against the `none` baseline. Run after `npm run build`:
//   node scripts/bench-outage.js [--requests 300] [--adapters xray,sentry] [--json]
const { parseArgs } = require('node:util');
const { runOutageBench } = require('../dist/harness/bench/outage.js');

const { values } = parseArgs({
  options: {
    requests: { type: 'string' },
    adapters: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const pct = (v) => (v === null ? '—' : `${v >= 1 ? '+' : ''}${((v - 1) * 100).toFixed(1)} %`);

runOutageBench({
  requests: values.requests ? Number(values.requests) : undefined,
  adapters: values.adapters ? values.adapters.split(',') : undefined,
  log: (line) => process.stderr.write(`${line}\n`),
}).then((rows) => {
  if (values.json) return process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  process.stdout.write(
    '| adapter | vendor endpoint | p50 ms | p50 vs none | p50 vs healthy | p99 ms | errors | shutdown ms (both) | exit 0 |\n',
  );
  process.stdout.write('|---|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    const cells = [
      r.adapter,
      r.outage,
      r.p50Ms,
      pct(r.p50VsNone),
      pct(r.p50VsHealthy),
      r.p99Ms,
      r.errors,
      r.shutdownMs,
    ];
    process.stdout.write(`| ${cells.join(' | ')} | ${r.cleanExit ? 'yes' : 'no'} |\n`);
  }
});
