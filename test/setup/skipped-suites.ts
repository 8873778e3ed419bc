/**
 * The record of suites skipped for a missing Debian package: workers write one file per skipped suite into a
 * directory the global setup provides, and the global setup turns them into the run's closing line. Kept free
 * of vitest's runtime so both sides can load it.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The `provide`/`inject` key of that directory. */
export const SKIPS_DIR_KEY = 'skippedSuitesDir';

declare module 'vitest' {
  export interface ProvidedContext {
    [SKIPS_DIR_KEY]: string;
  }
}

export interface SkipRecord {
  suite: string;
  /** Debian package names, as `apt-get install` takes them. */
  packages: string[];
}

export function installCommand(packages: readonly string[]): string {
  return `sudo apt-get install -y ${packages.join(' ')}`;
}

export function writeSkip(dir: string, record: SkipRecord): void {
  writeFileSync(path.join(dir, `${randomUUID()}.json`), JSON.stringify(record));
}

export function readSkips(dir: string): SkipRecord[] {
  return readdirSync(dir).map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as SkipRecord);
}

/** The one closing line, or undefined when nothing was skipped. */
export function skipSummary(records: readonly SkipRecord[]): string | undefined {
  if (records.length === 0) return undefined;
  const packages = [...new Set(records.flatMap((r) => r.packages))].sort();
  const suites = [...new Set(records.map((r) => r.suite))];
  return (
    `Skipped ${suites.length} suite${suites.length === 1 ? '' : 's'} (${suites.join('; ')}): ` +
    `Debian packages not installed: ${packages.join(', ')}. Install them with: ${installCommand(packages)}`
  );
}
