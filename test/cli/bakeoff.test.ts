/**
 * The entry point: the Node version guard (with the machine's own Node, the one npm itself runs on), `--version`
 * and `--help`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTER_NAMES } from '../../adapters/types';
import { engineFloor, nodeVersionProblem } from '../../cli/node-version';
import { CLI } from '../helpers/cli';

const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));

/**
 * The machine's Node, not the one `npm ci` put in node_modules: the Node running npm (npm sets
 * npm_node_execpath), else the first `node` on PATH outside node_modules.
 */
function machineNode(): string {
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !dir.includes('node_modules'))
    .map((dir) => path.join(dir, 'node'));
  const found = [process.env.npm_node_execpath, ...onPath].find(
    (file) => file && existsSync(file) && realpathSync(file) !== realpathSync(process.execPath),
  );
  return found ?? process.execPath;
}

const versionOf = (node: string) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();

describe('the Node version guard', () => {
  it('reads a floor from package.json engines.node, the one place it is written', () => {
    expect(engineFloor(pkg.engines.node)).toEqual([22, 15, 0]);
  });

  it('passes the floor and newer, refuses older with one line that names the fix', () => {
    expect(nodeVersionProblem('22.15.0', '>=22.15.0', 24)).toBeUndefined();
    expect(nodeVersionProblem('24.21.0', '>=22.15.0', 24)).toBeUndefined();
    expect(nodeVersionProblem('22.14.9', '>=22.15.0', 24)).toBeDefined();
    expect(nodeVersionProblem('20.20.2', '>=22.15.0', 24)).toBe(
      'bakeoff: needs Node.js >= 22.15.0 (this is 20.20.2). Run it through npm — `npm start`, `npx bakeoff …` — ' +
        'which uses the Node 24 that `npm ci` installed, or install Node 24 LTS.',
    );
  });

  it('with the machine’s own Node: refuses before starting anything when it is too old, else runs', () => {
    const node = machineNode();
    const version = versionOf(node);
    const result = spawnSync(node, [CLI, 'serve', '--role', 'users'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        ...process.env,
        USERS_PORT: '0',
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'bakeoff-guard-')),
      },
    });
    const problem = nodeVersionProblem(version, pkg.engines.node, 24);
    if (problem) {
      // This is the machine the issue is about (Debian's Node 20 under npm): one line, exit 1, nothing served.
      expect(result.stderr).toBe(`${problem}\n`);
      expect(result.stdout).toBe('');
      expect(result.status).toBe(1);
    } else {
      expect(execFileSync(node, [CLI, '--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
    }
  });
});

describe('bakeoff --version and --help', () => {
  it('--version prints package.json’s version', () => {
    expect(execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
  });

  it('--help lists every command and every vendor name', () => {
    const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    for (const command of ['serve', 'sandbox', 'load', 'compare', 'bench'])
      expect(help).toContain(`  ${command} `);
    for (const vendor of ADAPTER_NAMES) expect(help).toContain(vendor);
    expect(help).toMatch(/Vendors: honeycomb, xray, sentry, rollbar, datadog, cloudwatch, otlp, xray-otel;/);
  });
});
