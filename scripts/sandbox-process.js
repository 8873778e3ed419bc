// `bakeoff sandbox` as its own process for the benchmark scripts (so its RSS is its own): start it on free ports,
// read its URLs from the banner, measure its memory, stop it. BAKEOFF_DIST=<dir> points at another compiled
// tree (default ./dist), as in bench-ingest.js.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(process.env.BAKEOFF_DIST || path.join(root, 'dist'), 'cli', 'bakeoff.js');

/** The banner lines the scripts read: `url` (UI + API), `otlpUrl`, `sqsUrl`. */
const BANNER = {
  url: /UI \+ JSON API\s+(http:\/\/\S+)/,
  otlpUrl: /OTLP\/HTTP\s+(http:\/\/\S+)/,
  sqsUrl: /^\s*SQS\s+(http:\/\/\S+)/m,
};

/** Starts the sandbox with `extraArgs`; resolves with `{child, url, otlpUrl, sqsUrl}` once every listener is up. */
function startSandbox(extraArgs = []) {
  if (!fs.existsSync(cli)) throw new Error(`missing ${cli}: run \`npm run build\` first`);
  const ports = ['--port', '0', '--otlp-port', '0', '--datadog-port', '0', '--xray-port', '0'];
  const child = spawn(process.execPath, [cli, 'sandbox', ...ports, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const urls = Object.fromEntries(Object.entries(BANNER).map(([key, re]) => [key, re.exec(out)?.[1]]));
      // The X-Ray daemon's line comes last in the banner: every URL above it has been printed.
      if (Object.values(urls).every(Boolean) && out.includes('X-Ray daemon')) resolve({ child, ...urls });
    });
  });
}

function stopSandbox(sandbox) {
  return new Promise((resolve) => {
    sandbox.child.removeAllListeners('exit');
    sandbox.child.once('exit', resolve);
    sandbox.child.kill('SIGTERM');
  });
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)[1]);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
}

module.exports = { memory, startSandbox, stopSandbox };
