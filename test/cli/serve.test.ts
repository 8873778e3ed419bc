/**
 * `bakeoff serve` as a user meets it in a terminal: configuration errors exit non-zero before anything serves,
 * traffic runs give a calm terminal (a status line, request logs only with --verbose), and Ctrl-C — SIGINT to
 * the whole process group — ends with one line saying what stopped and what was flushed.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Spawned, spawnCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';

const started: Spawned[] = [];
afterAll(() => {
  for (const s of started) s.signal('SIGKILL');
});

function serve(args: string[], env: Record<string, string> = {}): Spawned {
  const proc = spawnCli(
    ['serve', ...args],
    { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'bakeoff-serve-')), ...env },
    {
      processGroup: true,
    },
  );
  started.push(proc);
  return proc;
}

async function ports() {
  return {
    PORT: String(await freePort()),
    USERS_PORT: String(await freePort()),
    NOTIFICATIONS_PORT: String(await freePort()),
  };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('configuration errors', { timeout: 60_000 }, () => {
  it.each([
    ['CHAOS=no-such-scenario serve', [], { CHAOS: 'no-such-scenario' }, 'BAKEOFF_ERR_UNKNOWN_SCENARIO'],
    [
      'CHAOS=no-such-scenario serve --demo',
      ['--demo'],
      { CHAOS: 'no-such-scenario' },
      'BAKEOFF_ERR_UNKNOWN_SCENARIO',
    ],
    // The sandbox's own ports (free ones let tests run the demo side by side), checked before it binds any.
    [
      'SANDBOX_XRAY_PORT=70000 serve --with-sandbox',
      ['--with-sandbox'],
      { SANDBOX_XRAY_PORT: '70000' },
      'BAKEOFF_ERR_INVALID_ENV',
    ],
    // A vendor setting, checked by the adapter: the demo must fail before its sandbox serves too.
    [
      'SENTRY_TRACE_LIFECYCLE=bogus serve --demo',
      ['--demo'],
      { SENTRY_TRACE_LIFECYCLE: 'bogus' },
      'BAKEOFF_ERR_INVALID_ENV',
    ],
  ])('%s: the coded error, exit 1, nothing started', async (_name, args, env, code) => {
    const proc = serve(args, { ...(await ports()), ...env });
    const exit = await proc.exited;
    expect(exit.code, proc.output()).toBe(1);
    expect(proc.output()).toContain(`bakeoff: ${code}: `);
    expect(proc.output()).not.toMatch(/listening on|UI and API on/);
  });

  it('a service that fails to start (its port is taken) fails `serve`, not just the service', async () => {
    const env = await ports();
    const squatter = net.createServer().listen(Number(env.USERS_PORT), '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const proc = serve([], env);
      const { code } = await proc.exited;
      expect(code, proc.output()).toBe(1);
      expect(proc.output()).toContain(`[users :${env.USERS_PORT}] exited (1); stopping`);
      expect(proc.output()).not.toMatch(/activities\] listening on/);
    } finally {
      squatter.close();
    }
  });
});

describe('a calm terminal with traffic', { timeout: 60_000 }, () => {
  it('prints a status line instead of request logs; Ctrl-C ends with one line', async () => {
    const env = await ports();
    const proc = serve(['--with-load'], env);
    await proc.waitFor(/\[status\] [1-9]\d* requests \(\d+ failed\)/, 30_000);
    // Request logs are JSON lines on stdout; the status line stands in for them.
    expect(lines(proc.output()).filter((line) => line.startsWith('{'))).toEqual([]);

    proc.signal('SIGINT');
    const exit = await proc.exited;
    expect(exit, proc.output()).toEqual({ code: 0, signal: null });
    const signalLines = lines(proc.output()).filter((line) => /SIGINT|SIGTERM/.test(line));
    expect(signalLines).toEqual(['bakeoff: SIGINT: stopping, draining requests and flushing vendors…']);
    const stopped = lines(proc.output()).filter((line) => line.includes('stopped'));
    expect(stopped).toEqual([
      `bakeoff: stopped demo traffic, activities (:${env.PORT}), notifications (:${env.NOTIFICATIONS_PORT}), users (:${env.USERS_PORT}); no vendor to flush`,
    ]);
  });

  it('--verbose brings the JSON request log back', async () => {
    const proc = serve(['--with-load', '--verbose'], await ports());
    const [line] = await proc.waitFor(/^\{.*"http\.route".*\}$/m, 30_000);
    expect(JSON.parse(line)).toHaveProperty('http.status_code');
    proc.signal('SIGTERM');
    expect((await proc.exited).code, proc.output()).toBe(0);
  });
});

describe('one service on its own', { timeout: 60_000 }, () => {
  it('stops once, with one line, when Ctrl-C and SIGTERM both arrive', async () => {
    const proc = serve(['--role', 'users'], await ports());
    await proc.waitFor(/listening on/);
    proc.child.kill('SIGINT');
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    expect(lines(proc.output()).filter((line) => /SIGINT|SIGTERM|stopped/.test(line))).toEqual([
      '[users] stopped; no vendor to flush',
    ]);
  });
});
