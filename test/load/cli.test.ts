import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadCommandIo, parseDuration, parseLoadArgs, runLoadCommand } from '../../cli/load';
import { type StubTarget, startStubTarget } from './stub-target';

let stub: StubTarget | undefined;
afterEach(async () => {
  process.exitCode = undefined;
  await stub?.close();
  stub = undefined;
});

function capture(): { io: LoadCommandIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { out: (t) => (out += t), err: { write: (t: string) => (err += t), isTTY: false } },
    out: () => out,
    err: () => err,
  };
}

describe('bakeoff load flags', () => {
  it('parses every flag', () => {
    const parsed = parseLoadArgs([
      '--target=http://127.0.0.1:9/',
      '--requests=50',
      '--duration=2m',
      '--concurrency=8',
      '--rate=12.5',
      '--seed=42',
      '--scenario=read-heavy',
      '--run=cmp-1',
      '--timeout=1500ms',
      '--record=/tmp/x.ndjson',
      '--json',
    ]);
    expect(parsed).toEqual({
      help: false,
      json: true,
      options: {
        target: 'http://127.0.0.1:9/',
        requests: 50,
        durationMs: 120_000,
        concurrency: 8,
        rate: 12.5,
        seed: 42,
        scenario: 'read-heavy',
        runId: 'cmp-1',
        timeoutMs: 1500,
        recordFile: '/tmp/x.ndjson',
      },
    });
    expect(parseDuration('30', 'duration')).toBe(30_000);
  });

  it.each([
    [['--requests=0'], /--requests must be an integer ≥ 1/],
    [['--requests=abc'], /--requests/],
    [['--concurrency=-2'], /--concurrency/],
    [['--rate=fast'], /--rate must be a number/],
    [['--duration=soon'], /--duration must be a positive duration/],
    [['--scenario=nope'], /Unknown workload "nope"/],
    [['--run=bad id'], /run id/],
    [['--target=not a url'], /target must be an http\(s\) URL/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('%j fails with exit 2 and a clear message', async (argv, message) => {
    const c = capture();
    await runLoadCommand(argv, c.io);
    expect(process.exitCode).toBe(2);
    expect(c.err()).toMatch(message);
    expect(c.err()).toMatch(/bakeoff load --help/);
    expect(c.out()).toBe('');
  });

  it('--help prints the options', async () => {
    const c = capture();
    await runLoadCommand(['--help'], c.io);
    expect(c.out()).toMatch(/--concurrency C/);
    expect(c.out()).toMatch(/mixed, read-heavy, write-heavy/);
    expect(process.exitCode).toBeUndefined();
  });
});

describe('bakeoff load run', () => {
  it('--json prints only the summary object', async () => {
    stub = await startStubTarget();
    const c = capture();
    await runLoadCommand(
      ['--target', stub.url, '--requests', '25', '--seed', '4', '--run', 'json-run', '--json'],
      c.io,
    );
    const summary = JSON.parse(c.out());
    expect(Object.keys(summary).sort()).toEqual(
      [
        'durationMs',
        'errors',
        'latencyMs',
        'requests',
        'rps',
        'runId',
        'scenario',
        'seed',
        'statuses',
      ].sort(),
    );
    expect(summary).toMatchObject({ runId: 'json-run', seed: 4, scenario: 'mixed', requests: 25, errors: 0 });
    expect(Object.keys(summary.latencyMs).sort()).toEqual(['max', 'p50', 'p90', 'p99']);
    expect(c.err()).toBe('');
    expect(process.exitCode).toBeUndefined();
  });

  it('prints a readable summary, and exits 1 when nothing answered', async () => {
    stub = await startStubTarget();
    const ok = capture();
    await runLoadCommand(['--target', stub.url, '--requests', '10'], ok.io);
    expect(ok.out()).toMatch(/requests {2}10 in/);
    expect(ok.out()).toMatch(/latency {3}p50 /);

    // A port nothing listens on (not the closed stub: its pooled keep-alive sockets fail differently).
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const down = capture();
    await runLoadCommand(['--target', `http://127.0.0.1:${port}`, '--requests', '3'], down.io);
    expect(down.out()).toMatch(/ERR_ECONNREFUSED×3/);
    expect(down.err()).toMatch(/no request got a response/);
    expect(process.exitCode).toBe(1);
  });
});
