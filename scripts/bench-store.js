#!/usr/bin/env node
/**
 * Store write benchmark through the real HTTP service: POST /api/activities against the embedded SQLite store and
 * against PostgreSQL, with the activities table pre-filled to each size, at each client count. Every arm gets a
 * fresh store and a fresh pair of service processes (`bakeoff serve --role … --quiet`, OBSERVABILITY=none,
 * CHAOS=off); the clients run in this process, closed-loop over keep-alive connections.
 *
 *   npm run build && npx node scripts/bench-store.js [--rows 5000,50000] [--clients 1,20] [--requests 1000]
 *     [--rounds 3] [--engines sqlite,postgresql] [--database-url postgresql://user@host/db]
 *     [--baseline DIR] [--json]
 *
 * Arms are interleaved: every round runs every arm once, in an order that rotates each round, so drift on a
 * shared machine spreads over all arms; figures are medians over rounds. `--baseline DIR` adds an arm for the
 * embedded store of another built checkout (e.g. the commit before this store: `git worktree add`, `npm ci`,
 * `npm run build`), run the same way.
 *
 * PostgreSQL: `--database-url` names a server whose user may CREATE DATABASE; without it the bench starts a
 * throwaway cluster from Debian's binaries (/usr/lib/postgresql/<v>/bin) with the server's default, durable
 * settings (fsync and synchronous_commit on), so both engines acknowledge only what survives a power cut. The
 * test helper's cluster turns fsync off, which is why it isn't reused here.
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

/** Where an arm's code lives: this checkout, or the `--baseline` one. */
const build = (root) => ({
  cli: path.join(root, 'dist', 'cli', 'bakeoff.js'),
  store: path.join(root, 'dist', 'app', 'store'),
});
const THIS_BUILD = build(path.join(__dirname, '..'));

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000,50000' },
    clients: { type: 'string', default: '1,20' },
    requests: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    engines: { type: 'string', default: 'sqlite,postgresql' },
    'database-url': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const numbers = (list) => list.split(',').map(Number);
const log = (line) => process.stderr.write(`${line}\n`);

/** Fills a fresh store to `rows` activities (the demo seed plus filler), the way a long-running service gets. */
async function prefill(code, target, rows) {
  const { openDriver } = require(path.join(code.store, 'index.js'));
  const { migrate } = require(path.join(code.store, 'migrations.js'));
  const { seedIfEmpty, seedUsers } = require(path.join(code.store, 'seed.js'));
  const driver = await openDriver(target);
  try {
    await migrate(driver);
    const seeded = await seedIfEmpty(driver);
    const start = Date.now() - rows * 1000;
    const batch = 500;
    for (let done = seeded.activities; done < rows; done += batch) {
      const count = Math.min(batch, rows - done);
      const params = [];
      const tuples = [];
      for (let i = 0; i < count; i++) {
        const n = done + i;
        const at = new Date(start + n * 1000).toISOString();
        const handle = seedUsers[n % seedUsers.length].handle;
        params.push(
          `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
          handle,
          `filler post ${n}`,
          at,
        );
        const p = i * 4;
        tuples.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, NULL, NULL, 0)`);
      }
      await driver.transaction((tx) =>
        tx.query(
          `INSERT INTO activities (uuid, handle, message, created_at, expires_at, reply_to_uuid, replies_count)
           VALUES ${tuples.join(', ')}`,
          params,
        ),
      );
    }
    const [{ n }] = await driver.query('SELECT COUNT(*) AS n FROM activities');
    return Number(n);
  } finally {
    await driver.close();
  }
}

function startRole(code, role, env) {
  const child = spawn(process.execPath, [code.cli, 'serve', '--role', role, '--quiet'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before listening:\n${output}`)));
  });
}

async function stop(service) {
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  await exited;
}

/** `requests` POSTs from `clients` closed-loop clients; latency of each, and how many were answered 201. */
async function drive(url, clients, requests) {
  const latencies = [];
  let next = 0;
  let failed = 0;
  const client = async () => {
    while (next < requests) {
      const n = next++;
      const started = performance.now();
      const res = await fetch(`${url}/api/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: 'ada', message: `bench write ${n}` }),
      });
      await res.arrayBuffer();
      if (res.status === 201) latencies.push(performance.now() - started);
      else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  return { ok: latencies.length, failed, seconds, latencies };
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** One arm, once: a fresh store filled to `rows`, a fresh service pair, warm-up, then the measured writes. */
async function runArm({ engine, code, rows, clients }, requests, postgres) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-bench-store-'));
  const databaseUrl = engine === 'postgresql' ? await postgres.freshDatabase() : undefined;
  try {
    const filled = await prefill(code, { databaseUrl, dataDir, fileName: 'activities.sqlite' }, rows);
    const env = { DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0', OBSERVABILITY: 'none', CHAOS: 'off' };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const users = await startRole(code, 'users', env);
    const activities = await startRole(code, 'activities', { ...env, USERS_URL: users.url });
    try {
      await drive(activities.url, clients, Math.min(100, requests)); // warm-up: JIT, pools, page cache
      const run = await drive(activities.url, clients, requests);
      return {
        rows: filled,
        failed: run.failed,
        writesPerSecond: run.ok / run.seconds,
        p50Ms: percentile(run.latencies, 0.5),
        p99Ms: percentile(run.latencies, 0.99),
      };
    } finally {
      await stop(activities);
      await stop(users);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Medians over rounds (writes/s also with its range). */
function summarize(arm, runs) {
  const median = (key) =>
    round(
      percentile(
        runs.map((run) => run[key]),
        0.5,
      ),
    );
  const rates = runs.map((run) => run.writesPerSecond);
  return {
    store: arm.engine,
    rows: arm.rows,
    clients: arm.clients,
    rounds: runs.length,
    writesPerSecond: Math.round(percentile(rates, 0.5)),
    writesPerSecondRange: [Math.round(Math.min(...rates)), Math.round(Math.max(...rates))],
    p50Ms: median('p50Ms'),
    p99Ms: median('p99Ms'),
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
  };
}

const round = (value) => Math.round(value * 10) / 10;

// ---- PostgreSQL: a server to create one database per arm on ----

async function postgresServer(url) {
  const { Client } = require('pg');
  let counter = 0;
  let cluster;
  const serverUrl = url ?? (cluster = await startDurableCluster()).url;
  return {
    async freshDatabase() {
      const name = `bakeoff_bench_${process.pid}_${++counter}`;
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      const db = new URL(serverUrl);
      db.pathname = `/${name}`;
      return db.toString();
    },
    stop: () => cluster?.stop(),
  };
}

async function startDurableCluster() {
  const root = '/usr/lib/postgresql';
  const version = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version)
    throw new Error(`no PostgreSQL under ${root}: apt-get install -y postgresql, or pass --database-url`);
  const bin = (name) => path.join(root, version, 'bin', name);
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root; as root, the cluster belongs to the `postgres` user.
  const run = (command, args) =>
    execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, {
      cwd: os.tmpdir(),
      stdio: 'ignore',
    });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-bench-pg-'));
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const dataDir = path.join(dir, 'data');
  run(bin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8']);
  const port = await freePort();
  run(bin('pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    path.join(dir, 'postgres.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  log(`PostgreSQL ${version} (default durable settings) on 127.0.0.1:${port}`);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      run(bin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  const engines = values.engines.split(',');
  const arms = [];
  const addArms = (engine, code) => {
    if (!fs.existsSync(code.cli)) throw new Error(`missing ${code.cli}: run \`npm run build\` there first`);
    for (const rows of numbers(values.rows))
      for (const clients of numbers(values.clients)) arms.push({ engine, code, rows, clients });
  };
  for (const engine of engines) addArms(engine, THIS_BUILD);
  if (values.baseline) addArms('sqlite-baseline', build(path.resolve(values.baseline)));
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  const postgres = engines.includes('postgresql') ? await postgresServer(values['database-url']) : undefined;
  const runs = arms.map(() => []);
  const loads = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < arms.length; k++) {
        const index = (k + r) % arms.length;
        const arm = arms[index];
        const engine = arm.engine === 'sqlite-baseline' ? 'sqlite' : arm.engine;
        const result = await runArm({ ...arm, engine }, requests, postgres);
        loads.push(os.loadavg()[0]);
        log(
          `round ${r + 1}/${rounds} ${arm.engine} rows=${arm.rows} clients=${arm.clients}: ${JSON.stringify(result)}`,
        );
        runs[index].push(result);
      }
    }
  } finally {
    postgres?.stop();
  }
  const results = arms.map((arm, index) => summarize(arm, runs[index]));
  const machine = {
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage1m: { min: round(Math.min(...loads)), max: round(Math.max(...loads)) },
  };
  const settings = { requests, warmup: Math.min(100, requests), rounds };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ machine, settings, results }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `node ${machine.node}, ${machine.cpus}; 1-minute load average ${machine.loadAverage1m.min}–${machine.loadAverage1m.max}; ` +
      `${requests} writes per arm and round after ${settings.warmup} warm-up, median of ${rounds} rounds\n\n`,
  );
  process.stdout.write('| store | rows at start | clients | writes/s (range) | p50 ms | p99 ms | failed |\n');
  process.stdout.write('|---|---:|---:|---:|---:|---:|---:|\n');
  for (const r of results) {
    const rate = `${r.writesPerSecond} (${r.writesPerSecondRange.join('–')})`;
    const cells = [r.store, r.rows, r.clients, rate, r.p50Ms, r.p99Ms, r.failed];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
