/**
 * Suites that need a Debian package (a browser, a database, a linter, a Compose CLI) the npm install can't
 * provide. `requirePackages([...])` returns the `describe` to declare such a suite with:
 *
 * - everything installed → the plain `describe`;
 * - something missing, outside CI → the suite is skipped, named with what it needs, and recorded so the run
 *   ends with one line naming the missing packages and the command that installs them (test/setup/);
 * - something missing with `CI=true` → the suite fails with that command: CI must test everything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, inject } from 'vitest';
import { CHROMIUM_PATH } from '../../harness/browser';
import { installCommand, SKIPS_DIR_KEY, type SkipRecord, writeSkip } from '../setup/skipped-suites';
import { postgresInstalled } from './postgres';

/** Debian package names, as `apt-get install` takes them. */
export type SystemPackage = 'chromium' | 'postgresql' | 'shellcheck' | 'docker-compose';

const succeeds = (command: string, args: string[]) => spawnSync(command, args).status === 0;

/** How to run Compose here: the v2 plugin (`docker compose`) or Debian's `docker-compose`; undefined if neither. */
export function composeCli(): string[] | undefined {
  const candidates = [['docker', 'compose'], ['docker-compose']];
  return candidates.find(([command, ...pre]) => succeeds(command, [...pre, 'version']));
}

const PROBES: Record<SystemPackage, () => boolean> = {
  // CHROMIUM_PATH (env) lets a test point the lookup at a missing browser.
  chromium: () => existsSync(CHROMIUM_PATH),
  postgresql: postgresInstalled,
  shellcheck: () => succeeds('shellcheck', ['--version']),
  'docker-compose': () => composeCli() !== undefined,
};

export function missingPackages(packages: readonly SystemPackage[]): SystemPackage[] {
  return packages.filter((name) => !PROBES[name]());
}

function inCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return Boolean(ci) && ci !== 'false' && ci !== '0';
}

type SuiteFactory = (name: string, body: () => void) => void;

export function requirePackages(packages: readonly SystemPackage[]): SuiteFactory {
  const missing = missingPackages(packages);
  if (missing.length === 0) return (name, body) => describe(name, body);
  if (inCi()) {
    // Thrown while the file is collected, so the whole file fails with this, before any of its hooks run.
    return (name) => {
      throw new Error(
        `CI=true and "${name}" needs Debian packages that are not installed: ${missing.join(', ')}. ` +
          `CI must install them (${installCommand(missing)}); .ci/run does.`,
      );
    };
  }
  return (name, body) => {
    recordSkip({ suite: name, packages: missing });
    describe.skipIf(true)(`${name} (skipped: needs ${missing.join(', ')})`, body);
  };
}

function recordSkip(record: SkipRecord): void {
  // Unset when a file runs without the project's config (no global setup): the suite still says it skipped.
  const dir = inject(SKIPS_DIR_KEY);
  if (dir) writeSkip(dir, record);
}
