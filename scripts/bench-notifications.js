#!/usr/bin/env node
// What the notifications queue costs a create, and how long a notification takes to arrive. Starts `bakeoff
// sandbox` (its SQS emulator is the queue) and the three services as their own processes (OBSERVABILITY=none),
// then sends N sequential creates mentioning @grace: once with NOTIFICATIONS=off (no send) and once on. Reports
// create p50/p99 for each arm, and for `on` the p50/p99 from the create's answer to the notification being
// readable on GET /api/notifications/grace (polled every 5 ms).
//
// Usage: npm run build && node scripts/bench-notifications.js [--requests 200] [--json]
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'bakeoff.js');
const args = process.argv.slice(2);
const option = (name, fallback) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
const REQUESTS = Number(option('requests', 200));
const asJson = args.includes('--json');
const children = [];

/** Spawns the CLI and resolves with the first match of `pattern` in its output. */
function start(argv, env, pattern) {
  if (!fs.existsSync(cli)) throw new Error(`missing ${cli}: run \`npm run build\` first`);
  const child = spawn(process.execPath, [cli, ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const match = pattern.exec(out);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code}:\n${out}`)));
  });
}

function stopAll() {
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.removeAllListeners('exit');
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (ms) => Math.round(ms * 10) / 10;

async function arm(sandboxUrl, notifications) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-bench-notify-'));
  const env = {
    OBSERVABILITY: 'none',
    DATA_DIR: dataDir,
    PORT: '0',
    USERS_PORT: '0',
    NOTIFICATIONS_PORT: '0',
    BAKEOFF_SANDBOX: sandboxUrl,
    NOTIFICATIONS: notifications,
    NOTIFICATIONS_QUEUE: `bench-${process.pid}-${notifications}`,
    AWS_REGION: '',
    AWS_DEFAULT_REGION: '',
  };
  const listening = /listening on (http:\/\/\S+)/;
  const users = await start(['serve', '--role', 'users', '--quiet'], env, listening);
  const api = await start(
    ['serve', '--role', 'activities', '--quiet'],
    { ...env, USERS_URL: users },
    listening,
  );
  const worker = await start(['serve', '--role', 'notifications', '--quiet'], env, listening);
  const creates = [];
  const arrivals = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${api}/api/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'ada', message: `bench ${i} for @grace` }),
    });
    const { uuid } = await res.json();
    const answered = performance.now();
    creates.push(answered - t0);
    if (notifications !== 'on') continue;
    for (;;) {
      const list = await (await fetch(`${worker}/api/notifications/grace`)).json();
      if (list.notifications.some((n) => n.activity_uuid === uuid)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    arrivals.push(performance.now() - answered);
  }
  return {
    notifications,
    createP50: round(percentile(creates, 50)),
    createP99: round(percentile(creates, 99)),
    ...(arrivals.length
      ? { arrivalP50: round(percentile(arrivals, 50)), arrivalP99: round(percentile(arrivals, 99)) }
      : {}),
  };
}

async function main() {
  const sandboxUrl = await start(
    ['sandbox', '--port', '0', '--otlp-port', '0', '--datadog-port', '0', '--xray-port', '0'],
    {},
    /^\s*SQS\s+(http:\/\/\S+)/m,
  );
  const results = [];
  for (const notifications of ['off', 'on']) {
    results.push(await arm(sandboxUrl, notifications));
  }
  await stopAll();
  if (asJson)
    return void process.stdout.write(`${JSON.stringify({ requests: REQUESTS, results }, null, 2)}\n`);
  process.stdout.write(`${REQUESTS} sequential creates, OBSERVABILITY=none, queue = sandbox SQS\n`);
  for (const r of results) {
    const arrival =
      r.arrivalP50 === undefined
        ? ''
        : `; create answered → notification readable p50 ${r.arrivalP50} ms, p99 ${r.arrivalP99} ms`;
    process.stdout.write(
      `NOTIFICATIONS=${r.notifications}: create p50 ${r.createP50} ms, p99 ${r.createP99} ms${arrival}\n`,
    );
  }
}

main().catch(async (error) => {
  await stopAll();
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
