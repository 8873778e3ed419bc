/**
 * Vitest global setup: gives the workers a directory to record suites skipped for a missing Debian package
 * (test/helpers/system-packages.ts) and, once the run is over, prints one line naming those packages and the
 * command that installs them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { readSkips, SKIPS_DIR_KEY, skipSummary } from './skipped-suites';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'bakeoff-skips-'));
  project.provide(SKIPS_DIR_KEY, dir);
  return () => {
    const line = skipSummary(readSkips(dir));
    if (line) process.stdout.write(`\n${line}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
