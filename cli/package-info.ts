/**
 * bakeoff's own package.json, the one source of its version, its Node.js floor (`engines.node`) and the Node
 * that `npm ci` installs (the `node` devDependency). Read from disk rather than imported, so it works the same
 * from the sources (cli/) and from the build (dist/cli/), and in the container, which has no sources.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PackageInfo {
  version: string;
  engines?: { node?: string };
  devDependencies?: Record<string, string>;
}

let cached: PackageInfo | undefined;

/** The nearest package.json named `bakeoff` above this file. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageInfo & { name?: string };
      if (parsed.name === 'bakeoff') return (cached = parsed);
    }
    if (path.dirname(dir) === dir) throw new Error(`bakeoff: no package.json above ${__dirname}`);
  }
}
