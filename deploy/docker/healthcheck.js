#!/usr/bin/env node
/**
 * Container health probe (slim images have no curl). One image runs every role, so the URL depends on the
 * command PID 1 runs: `serve --role users` → :USERS_PORT/api/health-check, `serve --role notifications` →
 * :NOTIFICATIONS_PORT/api/health-check, `sandbox` → :4400/api/health,
 * otherwise (activities) → :PORT/api/health-check. Pass a URL as the first argument to skip the guessing.
 * Exit 0 = healthy, 1 = not (Docker's HEALTHCHECK contract).
 */
'use strict';
const fs = require('node:fs');
const http = require('node:http');

/** Roles that run to completion (load, compare, bench) have no server: they are healthy while they run. */
const ONE_SHOT = new Set(['load', 'compare', 'bench']);

/**
 * The health URL for a bakeoff command line (argv after `bakeoff.js`), or null for one-shot commands.
 * @param {string[]} args e.g. ['serve', '--role', 'users']
 * @param {Record<string, string | undefined>} env the container's environment
 */
function healthUrlFor(args, env) {
  const [command = 'serve'] = args;
  if (ONE_SHOT.has(command)) return null;
  const option = (name) => {
    const i = args.indexOf(`--${name}`);
    if (i >= 0) return args[i + 1];
    const inline = args.find((a) => a.startsWith(`--${name}=`));
    return inline ? inline.slice(name.length + 3) : undefined;
  };
  if (command === 'sandbox') return `http://127.0.0.1:${option('port') ?? '4400'}/api/health`;
  const role = option('role');
  const port =
    role === 'users'
      ? (env.USERS_PORT ?? '4568')
      : role === 'notifications'
        ? (env.NOTIFICATIONS_PORT ?? '4569')
        : (env.PORT ?? '4567');
  return `http://127.0.0.1:${port}/api/health-check`;
}

/** The bakeoff arguments of PID 1 (`node dist/cli/bakeoff.js serve …` → ['serve', …]). */
function pid1Args() {
  const argv = fs.readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
  const entry = argv.findIndex((a) => a.endsWith('bakeoff.js'));
  return entry >= 0 ? argv.slice(entry + 1) : [];
}

function probe(url) {
  const req = http.get(url, { timeout: 4000 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => process.exit(1));
}

if (require.main === module) {
  const url = process.argv[2] ?? healthUrlFor(pid1Args(), process.env);
  if (url === null) process.exit(0);
  probe(url);
}

module.exports = { healthUrlFor };
