#!/usr/bin/env node
/**
 * Measures the embedded store in-process (no HTTP): process RSS after open + migrate + seed (vs a bare node
 * process), cold start on an empty dir and on an existing file, and the cost of one durable write (an INSERT
 * committed with its fsync). Each figure comes from a fresh child process, so module loading is counted the way
 * a starting service pays it. Writes through the real HTTP service, for both engines: scripts/bench-store.js.
 *
 *   npm run build && npx node scripts/measure-store.js [--runs 5] [--writes 200] [--json]
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const STORE_MODULE = path.join(__dirname, '..', 'dist', 'app', 'store', 'index.js');
const FILE_NAME = 'activities.sqlite';

function argument(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

/** Runs in a child: one measurement, printed as one JSON line. */
async function child(mode, dataDir) {
  const started = performance.now();
  const { createStore } = require(STORE_MODULE);
  const loaded = performance.now();
  const store = await createStore({ dataDir, fileName: FILE_NAME });
  const opened = performance.now();
  const result = { loadMs: loaded - started, openMs: opened - loaded, rss: process.memoryUsage().rss };
  if (mode === 'writes') {
    const count = argument('writes', 200);
    const times = [];
    for (let index = 0; index < count; index++) {
      const before = performance.now();
      await store.createActivity({ handle: 'ada', message: `measured write ${index}`, ttlSeconds: null });
      times.push(performance.now() - before);
    }
    result.writeMsP50 = percentile(times, 0.5);
    result.writeMsP99 = percentile(times, 0.99);
    // Until a checkpoint, committed pages live in the write-ahead log next to the database file.
    const file = path.join(dataDir, FILE_NAME);
    result.fileBytes =
      fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
    result.rss = process.memoryUsage().rss;
  }
  await store.close();
  console.log(JSON.stringify(result));
}

function runChild(mode, dataDir) {
  const args = [__filename, '--child', mode, dataDir, '--writes', String(argument('writes', 200))];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop());
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

const median = (values) => percentile(values, 0.5);
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const ms = (value) => Math.round(value * 10) / 10;

function bareRss() {
  const out = execFileSync(process.execPath, ['-e', 'console.log(process.memoryUsage().rss)'], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

function main() {
  if (!fs.existsSync(STORE_MODULE)) {
    console.error(`missing ${STORE_MODULE}: run \`npx tsc -p tsconfig.build.json\` first`);
    process.exit(1);
  }
  const runs = argument('runs', 5);
  const cold = [];
  const reopen = [];
  const bare = [];
  for (let run = 0; run < runs; run++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-measure-'));
    try {
      bare.push(bareRss());
      cold.push(runChild('cold', dataDir));
      reopen.push(runChild('reopen', dataDir));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const writesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-measure-'));
  let writes;
  try {
    writes = runChild('writes', writesDir);
  } finally {
    fs.rmSync(writesDir, { recursive: true, force: true });
  }

  const report = {
    machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
    runs,
    bareNodeRssMb: mb(median(bare)),
    storeRssMb: mb(median(cold.map((r) => r.rss))),
    storeRssOverBareMb: mb(median(cold.map((r) => r.rss)) - median(bare)),
    coldStart: {
      loadMs: ms(median(cold.map((r) => r.loadMs))),
      openMigrateSeedMs: ms(median(cold.map((r) => r.openMs))),
    },
    reopenExisting: {
      loadMs: ms(median(reopen.map((r) => r.loadMs))),
      openMs: ms(median(reopen.map((r) => r.openMs))),
    },
    persistedWrite: {
      writes: argument('writes', 200),
      p50Ms: ms(writes.writeMsP50),
      p99Ms: ms(writes.writeMsP99),
      fileKb: Math.round(writes.fileBytes / 1024),
      rssAfterMb: mb(writes.rss),
    },
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`node ${report.machine.node}, ${report.machine.cpus} cpus, median of ${runs} fresh processes`);
  console.log(`RSS: bare node ${report.bareNodeRssMb} MB; store open+seeded ${report.storeRssMb} MB`);
  console.log(`     (+${report.storeRssOverBareMb} MB)`);
  console.log(
    `cold start (empty dir): require ${report.coldStart.loadMs} ms + open/migrate/seed ${report.coldStart.openMigrateSeedMs} ms`,
  );
  console.log(
    `reopen existing file: require ${report.reopenExisting.loadMs} ms + open ${report.reopenExisting.openMs} ms`,
  );
  const w = report.persistedWrite;
  console.log(
    `durable write (${w.writes} inserts, ${w.fileKb} KB database + WAL): p50 ${w.p50Ms} ms, p99 ${w.p99Ms} ms`,
  );
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main();
}
