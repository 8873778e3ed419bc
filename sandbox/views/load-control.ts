/**
 * Chaos and load from the UI (issue 14). The sandbox never imports the app or the harness (they are what it
 * checks): it asks a running pair over HTTP whether its admin API is enabled (`GET /admin/chaos` answers 404
 * when `ADMIN_TOKEN` is unset, 401 without the token), links to that chaos page, and starts a seeded load run by
 * spawning the `bakeoff load` CLI, whose `--record` file counts the requests sent so far for the progress bar.
 * The routes are under /api/, so the request guard refuses them to every other web origin (request-guard.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { QueryError } from './query-params';

export const DEFAULT_SERVICES_URL = 'http://127.0.0.1:4567';
const PROBE_TIMEOUT_MS = 2000;
const MAX_REQUESTS = 100_000;
const MAX_CONCURRENCY = 64;

/** A services base URL: http(s) only, no credentials, no path beyond `/`. */
export function servicesUrl(raw: unknown): string {
  if (raw === undefined || raw === '') return DEFAULT_SERVICES_URL;
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new QueryError(`target "${String(raw)}" is not a URL, e.g. ${DEFAULT_SERVICES_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new QueryError(`target must be an http:// or https:// URL, got "${url.protocol}"`);
  if (url.username || url.password) throw new QueryError('target must not carry a user name or password');
  return url.origin;
}

export interface ServicesStatus {
  target: string;
  /** The activities service answered its health check. */
  reachable: boolean;
  admin: 'enabled' | 'disabled' | 'unknown';
  /** The services' own chaos page (it asks for the admin token). */
  chaosPage: string | null;
  /** What to do when admin is disabled or the services are down. */
  hint: string | null;
}

const ENABLE_HINT =
  'The admin API is disabled: restart the services with ADMIN_TOKEN set, e.g. ' +
  '`ADMIN_TOKEN=$(openssl rand -hex 16) npx bakeoff serve --with-sandbox`, then open the chaos page with that token.';

async function probe(url: string): Promise<number | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' });
    await res.body?.cancel();
    return res.status;
  } catch {
    return null;
  }
}

export async function servicesStatus(target: string): Promise<ServicesStatus> {
  const [health, admin] = await Promise.all([
    probe(`${target}/api/health-check`),
    probe(`${target}/admin/chaos`),
  ]);
  if (health === null) {
    return {
      target,
      reachable: false,
      admin: 'unknown',
      chaosPage: null,
      hint: `Nothing answers at ${target}: start the services with \`npx bakeoff serve --with-sandbox\`.`,
    };
  }
  const enabled = admin === 401 || admin === 200;
  return {
    target,
    reachable: true,
    admin: enabled ? 'enabled' : admin === 404 ? 'disabled' : 'unknown',
    chaosPage: enabled ? `${target}/admin` : null,
    hint: enabled ? null : ENABLE_HINT,
  };
}

export interface LoadRequest {
  target: string;
  requests: number;
  seed: number;
  concurrency: number;
  run: string;
}

function integer(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const raw = body[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new QueryError(
      `"${name}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  return n;
}

export function parseLoadRequest(body: unknown, now = new Date()): LoadRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new QueryError('send a JSON object: {target, requests, seed, concurrency, run}');
  const b = body as Record<string, unknown>;
  const run =
    b.run === undefined || b.run === '' ? `ui-${now.toISOString().replace(/[-:.]/g, '')}` : String(b.run);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(run))
    throw new QueryError('"run" may hold only letters, digits, ".", "_" and "-" (at most 64)');
  return {
    target: servicesUrl(b.target),
    requests: integer(b, 'requests', 1, MAX_REQUESTS, 100),
    seed: integer(b, 'seed', 0, 2 ** 31 - 1, 1),
    concurrency: integer(b, 'concurrency', 1, MAX_CONCURRENCY, 4),
    run,
  };
}

export interface LoadState {
  state: 'idle' | 'running' | 'done' | 'failed' | 'stopped';
  run: string | null;
  target: string | null;
  requests: number;
  /** Requests answered (or failed) so far: lines of the run's record file. */
  sent: number;
  startedAt: number | null;
  /** `bakeoff load --json`'s summary, once the run ended. */
  summary: Record<string, unknown> | null;
  /** Why it failed (the CLI's own message, never its environment). */
  error: string | null;
}

/** Where the built CLI is: dist/cli/bakeoff.js next to this file's dist/sandbox/views/, else under the repo. */
function cliPath(): string {
  const candidates = [
    path.resolve(__dirname, '../../cli/bakeoff.js'),
    path.resolve(__dirname, '../../dist/cli/bakeoff.js'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('the bakeoff CLI is not built: run `npm run build`');
  return found;
}

/** One load run at a time, spawned as `bakeoff load`. */
export class LoadRunner {
  private child: ChildProcess | null = null;
  private recordFile: string | null = null;
  private current: LoadState = {
    state: 'idle',
    run: null,
    target: null,
    requests: 0,
    sent: 0,
    startedAt: null,
    summary: null,
    error: null,
  };

  status(): LoadState {
    if (this.current.state === 'running' && this.recordFile) this.current.sent = countLines(this.recordFile);
    return { ...this.current };
  }

  start(req: LoadRequest): LoadState {
    if (this.child)
      throw Object.assign(new Error(`a load run (${this.current.run}) is still running`), { status: 409 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-ui-load-'));
    const record = path.join(dir, 'requests.ndjson');
    const args = [
      cliPath(),
      'load',
      '--target',
      req.target,
      '--requests',
      String(req.requests),
      '--seed',
      String(req.seed),
      '--concurrency',
      String(req.concurrency),
      '--run',
      req.run,
      '--record',
      record,
      '--json',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // A load run does not outlive the sandbox that started it.
    const stopWithSandbox = () => child.kill('SIGTERM');
    process.once('exit', stopWithSandbox);
    child.once('close', () => process.removeListener('exit', stopWithSandbox));
    this.child = child;
    this.recordFile = record;
    this.current = {
      state: 'running',
      run: req.run,
      target: req.target,
      requests: req.requests,
      sent: 0,
      startedAt: Date.now(),
      summary: null,
      error: null,
    };
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => this.finish('failed', null, err.message, dir));
    child.on('close', (code) => {
      const summary = parseSummary(stdout);
      // Stopped on request: whether the CLI died of the signal or wound down gracefully and exited 0.
      if (this.current.state === 'stopped') this.finish('stopped', summary, null, dir);
      else if (code === 0) this.finish('done', summary, null, dir);
      else
        this.finish(
          'failed',
          summary,
          stderr.trim().split('\n').at(-1) || `bakeoff load exited ${code}`,
          dir,
        );
    });
    return this.status();
  }

  stop(): LoadState {
    if (this.child) {
      this.current.state = 'stopped';
      this.child.kill('SIGTERM');
    }
    return this.status();
  }

  private finish(
    state: LoadState['state'],
    summary: LoadState['summary'],
    error: string | null,
    dir: string,
  ) {
    if (!this.child) return;
    if (this.recordFile) this.current.sent = countLines(this.recordFile);
    this.child = null;
    this.recordFile = null;
    fs.rmSync(dir, { recursive: true, force: true });
    this.current = { ...this.current, state, summary, error };
  }
}

/** The last stdout line of `bakeoff load --json`: its summary, or null when it ended before printing one. */
function parseSummary(stdout: string): Record<string, unknown> | null {
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
  } catch {
    return null;
  }
}

function countLines(file: string): number {
  try {
    const text = fs.readFileSync(file, 'utf8');
    let n = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

/** `GET /api/control/services?target=`, `GET|POST|DELETE /api/control/load`. */
export function controlRouter(runner = new LoadRunner()): express.Router {
  const router = express.Router();
  router.get('/api/control/services', async (req, res) => {
    const target = servicesUrl(typeof req.query.target === 'string' ? req.query.target : undefined);
    res.json(await servicesStatus(target));
  });
  router.get('/api/control/load', (_req, res) => {
    res.json(runner.status());
  });
  router.post('/api/control/load', express.json({ limit: '4kb' }), (req, res) => {
    res.status(202).json(runner.start(parseLoadRequest(req.body)));
  });
  router.delete('/api/control/load', (_req, res) => {
    res.json(runner.stop());
  });
  return router;
}
