#!/usr/bin/env node
// Layer bench: µs per light request of each of our own layers (request context, route wrapper, facade with no
// adapter, chaos off, validation, …), from the bench's `bare` app up to the real app, in one process with no
// socket. Run after `npm run build`:
//   node scripts/bench-layers.js [--rounds 40] [--requests 1000] [--baseline DIR] [--json]
// --baseline DIR adds the real app of another built checkout (e.g. the commit before a change) as one more rung,
// interleaved with this tree's.
const { parseArgs } = require('node:util');
const { formatLayerTable, runLayerBench } = require('../dist/harness/bench/layers.js');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    requests: { type: 'string' },
    baseline: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const count = (name) => {
  if (values[name] === undefined) return undefined;
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench-layers: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return n;
};

runLayerBench({
  rounds: count('rounds'),
  requests: count('requests'),
  baseline: values.baseline,
  log: (line) => process.stderr.write(`${line}\n`),
}).then(
  (report) => {
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatLayerTable(report));
    // The store keeps handles (sql.js) that nothing else needs once the figures are out.
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`bench-layers: ${error.stack ?? error}\n`);
    process.exit(1);
  },
);
