/**
 * Where the compiled entry points live. The bench starts every process from `dist/` (the services must load
 * vendor SDKs from CommonJS before express), whether the harness itself runs from `dist/` or from the
 * TypeScript sources under vitest. `BAKEOFF_DIST` points at another compiled tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function distRoot(): string {
  if (process.env.BAKEOFF_DIST) return path.resolve(process.env.BAKEOFF_DIST);
  const twoUp = path.resolve(__dirname, '../..');
  return existsSync(path.join(twoUp, 'cli', 'bakeoff.js')) ? twoUp : path.join(twoUp, 'dist');
}

/** A compiled file, e.g. `distFile('cli/bakeoff.js')`; throws with the fix if the build is missing. */
export function distFile(relative: string): string {
  const file = path.join(distRoot(), relative);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}
