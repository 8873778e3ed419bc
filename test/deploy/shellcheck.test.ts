/**
 * Every deploy script and fake command passes shellcheck (Debian's `shellcheck`: skipped and named at the end
 * of the run when it is missing, a failure with CI=true; .ci/run installs it).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { requirePackages } from '../helpers/system-packages';
import { EC2_DIR } from './harness';

const STUBS_DIR = path.join(__dirname, 'stubs');
const scripts = [
  ...readdirSync(EC2_DIR)
    .filter((name) => name.endsWith('.sh'))
    .map((name) => path.join(EC2_DIR, name)),
  ...readdirSync(STUBS_DIR).map((name) => path.join(STUBS_DIR, name)),
];

requirePackages(['shellcheck'])('shellcheck', () => {
  it('is installed', () => {
    const version = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    expect(version.error, 'shellcheck is missing: apt-get install -y shellcheck').toBeUndefined();
    expect(version.status).toBe(0);
  });

  it('finds the three EC2 scripts', () => {
    expect(scripts.map((file) => path.basename(file))).toEqual(
      expect.arrayContaining(['user-data.sh', 'launch.sh', 'teardown.sh']),
    );
  });

  it.each(scripts.map((file) => [path.relative(path.join(EC2_DIR, '..', '..'), file), file]))(
    '%s is clean',
    (_name, file) => {
      const result = spawnSync('shellcheck', ['--shell=bash', '--external-sources', file], {
        cwd: path.dirname(file),
        encoding: 'utf8',
      });
      expect(result.error).toBeUndefined();
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
