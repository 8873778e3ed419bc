/**
 * The Node.js version guard. bakeoff's dependencies need the Node in package.json's `engines.node`; on an
 * older one they fail deep inside some SDK with an error that names neither Node nor the fix. The CLI runs
 * this first and refuses with one line instead. Only `node:` built-ins and syntax every Node since 16 runs.
 */
import { packageInfo } from './package-info';

type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function isOlder(a: Version, b: Version): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** `>=22.15.0` → [22, 15, 0]. Only that form: a range the guard can't read is a mistake in package.json. */
export function engineFloor(range: string): Version {
  const floor = /^\s*>=\s*(\d+\.\d+\.\d+)\s*$/.exec(range);
  if (!floor) throw new Error(`package.json engines.node must be ">=X.Y.Z" (got "${range}")`);
  return parseVersion(floor[1])!;
}

/**
 * The one-line refusal for `running` under `range` (package.json `engines.node`), or undefined when it is
 * new enough. `installedMajor` is the Node that `npm ci` puts in node_modules (the `node` devDependency).
 */
export function nodeVersionProblem(
  running: string,
  range: string,
  installedMajor?: number,
): string | undefined {
  const floor = engineFloor(range);
  const version = parseVersion(running);
  if (version && !isOlder(version, floor)) return undefined;
  const viaNpm = installedMajor
    ? `which uses the Node ${installedMajor} that \`npm ci\` installed`
    : 'which uses the Node that `npm ci` installed';
  const lts = installedMajor ? `Node ${installedMajor} LTS` : `Node.js ${floor.join('.')} or newer`;
  return (
    `bakeoff: needs Node.js >= ${floor.join('.')} (this is ${running.replace(/^v/, '')}). ` +
    `Run it through npm — \`npm start\`, \`npx bakeoff …\` — ${viaNpm}, or install ${lts}.`
  );
}

/** Exits 1 with the refusal when this Node is older than package.json allows. */
export function refuseUnsupportedNode(): void {
  const pkg = packageInfo();
  const installed = /\d+/.exec(pkg.devDependencies?.node ?? '');
  const problem = nodeVersionProblem(
    process.versions.node,
    pkg.engines?.node ?? '>=0.0.0',
    installed ? Number(installed[0]) : undefined,
  );
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}
