/**
 * The skip path, for real: a child vitest runs real suites on a machine made to lack their Debian packages
 * (CHROMIUM_PATH pointing at nothing, a PATH without shellcheck). Outside CI they are skipped and the run
 * ends with one line naming the packages and the install command; with CI=true the run fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const UI_SUITE = 'test/e2e/sandbox-ui.test.ts';
const SHELLCHECK_SUITE = 'test/deploy/shellcheck.test.ts';

/** `vitest run <files>` in a child, as `npm test` runs it, with this run's own vitest variables removed. */
function childVitest(files: string[], env: Record<string, string | undefined>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'CI'),
  );
  const result = spawnSync(process.execPath, [VITEST, 'run', ...files], {
    cwd: ROOT,
    env: { ...base, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const NO_CHROMIUM = { CHROMIUM_PATH: path.join(tmpdir(), 'bakeoff-no-such-chromium') };
/** A PATH with nothing on it: no shellcheck (the child finds node by its full path). */
const EMPTY_PATH = { PATH: mkdtempSync(path.join(tmpdir(), 'bakeoff-empty-path-')) };

describe('suites that need a missing Debian package', { timeout: 120_000 }, () => {
  it('are skipped outside CI, and the run ends with one line naming the packages and the install command', () => {
    const run = childVitest([UI_SUITE, SHELLCHECK_SUITE], { ...NO_CHROMIUM, ...EMPTY_PATH });
    expect(run.status, run.output).toBe(0);
    // The suites' order in the line depends on which worker finished first; the packages' order does not.
    const lines = run.output.split('\n').filter((line) => line.startsWith('Skipped '));
    expect(lines, run.output).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Skipped 2 suites \((sandbox web UI; shellcheck|shellcheck; sandbox web UI)\): /,
    );
    expect(lines[0]).toContain(
      'Debian packages not installed: chromium, shellcheck. Install them with: sudo apt-get install -y chromium shellcheck',
    );
  });

  it('name only the packages that are missing', () => {
    const run = childVitest([SHELLCHECK_SUITE], EMPTY_PATH);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(
      'Skipped 1 suite (shellcheck): Debian packages not installed: shellcheck. Install them with: sudo apt-get install -y shellcheck',
    );
  });

  it('fail the run with CI=true, naming the package and the command', () => {
    const run = childVitest([UI_SUITE], { ...NO_CHROMIUM, CI: 'true' });
    expect(run.status, run.output).toBe(1);
    expect(run.output).toContain(
      'CI=true and "sandbox web UI" needs Debian packages that are not installed: chromium. ' +
        'CI must install them (sudo apt-get install -y chromium)',
    );
    expect(run.output).not.toMatch(/^Skipped /m);
  });
});
