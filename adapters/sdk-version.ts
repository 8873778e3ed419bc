/**
 * The installed SDK against the range its manifest supports, checked at start the way OpenTelemetry contrib
 * instrumentations check the module they patch. Outside the range is a warning, not a refusal: `npm ci` installs
 * the locked, supported versions, so a different one means someone is deliberately trying a new release, and
 * refusing would block exactly that experiment. The warning says the comparison is unverified for it. A missing
 * package is an error: the adapter cannot load at all.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BakeoffError } from '../config/errors';
import { type AdapterName, VENDORS } from '../vendors';

/** `major.minor.patch` satisfies `^major.minor.patch` (npm's caret: the leftmost non-zero part is fixed). */
export function satisfiesCaret(version: string, range: string): boolean {
  const want = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const have = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!want) throw new Error(`unsupported SDK range "${range}": write it as ^major.minor.patch`);
  if (!have) return false;
  const [w, h] = [want.slice(1).map(Number), have.slice(1).map(Number)];
  const fixed = w[0] > 0 ? 1 : w[1] > 0 ? 2 : 3;
  for (let i = 0; i < fixed; i++) if (h[i] !== w[i]) return false;
  for (let i = 0; i < 3; i++) if (h[i] !== w[i]) return h[i] > w[i];
  return true;
}

/** The version in the installed package's own package.json (its `exports` may hide `pkg/package.json`). */
export function installedVersion(pkg: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    return undefined;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const json = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (json.name === pkg) return json.version;
    } catch {
      // no package.json at this level: keep climbing
    }
  }
  return undefined;
}

/**
 * Throws `BAKEOFF_ERR_SDK_MISSING` when an adapter's SDK is not installed; returns one warning line per SDK
 * whose installed version is outside its manifest's range.
 */
export function checkSdkVersions(names: readonly AdapterName[]): string[] {
  const warnings: string[] = [];
  for (const name of names) {
    const sdk = VENDORS[name].sdk;
    if (!sdk) continue;
    const version = installedVersion(sdk.package);
    if (version === undefined) {
      throw new BakeoffError(
        'BAKEOFF_ERR_SDK_MISSING',
        `Adapter "${name}" needs ${sdk.package} ${sdk.range}, which is not installed; run \`npm ci\`.`,
      );
    }
    if (!satisfiesCaret(version, sdk.range)) {
      warnings.push(
        `BAKEOFF_WARN_SDK_RANGE: adapter ${name} is written for ${sdk.package} ${sdk.range} but ${version} is ` +
          'installed; it may work, but its results are unverified (`npm ci` installs a supported version)',
      );
    }
  }
  return warnings;
}
