/**
 * The README's quick start, checked: exactly two commands, the second is what CI runs, and the first — the
 * offline demo — really shows every vendor in the sandbox within a minute, keeps the terminal calm (status
 * lines, no request log) and stops on Ctrl-C with one line naming every vendor it flushed. (`npm ci` is what
 * set up this run, and `npm test` already built dist/, so the demo is started from its `npm start` script's
 * serve step, in its own process group as a terminal would.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../adapters/harness';
import { type Spawned, spawnCli } from '../helpers/cli';
import { freePortRange } from '../helpers/ports';

const root = path.resolve(__dirname, '../..');

function quickStart(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1];
  const block = section.match(/```sh\n([\s\S]*?)```/)![1];
  return block.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
}

describe('README quick start', () => {
  let demo: Spawned | undefined;
  afterAll(async () => {
    if (demo && demo.child.exitCode === null) {
      demo.signal('SIGTERM');
      await demo.exited;
    }
  });

  it('holds exactly two commands: the demo and the tests, the latter run verbatim by CI', () => {
    const commands = quickStart();
    expect(commands).toEqual(['npm ci && npm start', 'npm ci && npm test']);
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toContain(`\n${commands[1]}\n`);
  });

  it('starts the offline demo, and every vendor shows up in the sandbox within a minute', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const serve = pkg.scripts.start.replace(/^npm run build && node dist\/cli\/bakeoff\.js /, '');
    expect(serve).toBe('serve --demo');
    // Free ports instead of the defaults (sandbox 4400, 2000, 8126, 4318; services 4567-4569 and +10, +20, +30),
    // so the demo can run beside other tests. The ports are the only difference from `npm start`.
    // The sandbox takes base + 3, which no process group uses.
    const base = await freePortRange(33);
    const group = (offset: number) => [0, 10, 20, 30].map((step) => `:${base + offset + step}`).join(', ');
    const sandbox = `http://127.0.0.1:${base + 3}`;
    demo = spawnCli(
      serve.split(' '),
      {
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'bakeoff-demo-')),
        BAKEOFF_SANDBOX: sandbox,
        SANDBOX_OTLP_PORT: '0',
        SANDBOX_DATADOG_PORT: '0',
        SANDBOX_XRAY_PORT: '0',
        PORT: String(base),
        USERS_PORT: String(base + 1),
        NOTIFICATIONS_PORT: String(base + 2),
      },
      { processGroup: true },
    );
    await demo.waitFor(new RegExp(`open ${sandbox.replace(/\./g, '\\.')} to see every vendor`), 60_000);
    const wanted = ['honeycomb', 'xray', 'sentry', 'datadog', 'rollbar', 'cloudwatch'];
    const vendors = await eventually(async () => {
      const list = (await (await fetch(`${sandbox}/api/vendors`)).json()) as Array<{
        vendor: string;
        spans: number;
        errors: number;
        logs: number;
      }>;
      const seen = list.filter((v) => v.spans + v.errors + v.logs > 0).map((v) => v.vendor);
      return wanted.every((v) => seen.includes(v)) ? seen : undefined;
    }, 60_000).catch(async (error) => {
      throw new Error(`${(error as Error).message}\n${demo?.output()}`);
    });
    expect(vendors).toEqual(expect.arrayContaining(wanted));
    // A vendor's first delivery may be worker spans outside any request (no run id yet): wait for the run.
    const runVendors = await eventually(async () => {
      const runs = (await (await fetch(`${sandbox}/api/runs`)).json()) as Array<{
        vendors: string[];
      }>;
      const inRun = runs[0]?.vendors ?? [];
      return ['honeycomb', 'datadog'].every((v) => inRun.includes(v)) ? inRun : undefined;
    }, 30_000).catch(() => undefined);
    expect(runVendors).toEqual(expect.arrayContaining(['honeycomb', 'datadog']));

    // A calm terminal: status lines with every vendor's deliveries, and no JSON request log on stdout.
    const status = await demo.waitFor(/^\[status\] \d+ requests .*sandbox spans\/errors\/logs: (.*)$/m);
    expect(status[1].split(' · ').map((entry) => entry.split(' ')[0])).toEqual(
      expect.arrayContaining(wanted),
    );
    expect(demo.output().split('\n').filter((line) => line.startsWith('{'))).toEqual([]);

    // Ctrl-C: one line saying it is stopping, one saying what stopped and what was flushed; exit 0.
    demo.signal('SIGINT');
    expect((await demo.exited).code, demo.output()).toBe(0);
    const closing = demo.output().split('\n').filter((line) => /SIGINT|SIGTERM|stopped/.test(line));
    expect(closing).toHaveLength(2);
    expect(closing[0]).toBe('bakeoff: SIGINT: stopping, draining requests and flushing vendors…');
    // One pair of processes per demo group (from the manifests' conflicts), each with its worker.
    expect(closing[1]).toMatch(
      new RegExp(
        `^bakeoff: stopped demo traffic, activities \\(${group(0)}\\), notifications \\(${group(2)}\\), ` +
          `users \\(${group(1)}\\), sandbox; flushed (.*)$`,
      ),
    );
    expect(closing[1].split('; flushed ')[1].split(', ')).toEqual(expect.arrayContaining(wanted));
  }, 180_000);
});
