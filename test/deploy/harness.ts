/**
 * Runs the deploy scripts against fake `aws`, `dnf`, `docker`, `systemctl`, `git` and `curl` (test/deploy/stubs/)
 * placed first on PATH, in a temporary root. The fakes append one tab-separated line per call to a log, which
 * the tests read back as {command, cwd, args}.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const EC2_DIR = path.join(REPO_ROOT, 'deploy', 'ec2');
const STUBS_DIR = path.join(__dirname, 'stubs');

export interface Call {
  command: string;
  cwd: string;
  args: string[];
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  root: string;
  /** Where the fake AWS keeps the resources it "created" (and copies of file:// arguments in files/). */
  state: string;
  env: NodeJS.ProcessEnv;
  run(script: string, args?: string[], extraEnv?: NodeJS.ProcessEnv): RunResult;
  calls(command?: string): Call[];
  clearCalls(): void;
  /** Files the fake AWS currently holds as created resources (files/ excluded). */
  resources(): string[];
  cleanup(): void;
}

export function createSandbox(): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), 'bakeoff-deploy-'));
  const bin = path.join(root, 'bin');
  const state = path.join(root, 'aws-state');
  const log = path.join(root, 'calls.log');
  cpSync(STUBS_DIR, bin, { recursive: true });
  for (const name of ['aws', 'curl', 'dnf', 'docker', 'git', 'systemctl'])
    chmodSync(path.join(bin, name), 0o755);
  mkdirSync(state);
  writeFileSync(log, '');

  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: root,
    STUB_LOG: log,
    STUB_STATE: state,
    // Paths the scripts let tests override, so nothing outside the temp root is touched.
    BAKEOFF_ROOT: path.join(root, 'opt', 'bakeoff'),
    LOG_FILE: path.join(root, 'var', 'log', 'bakeoff-user-data.log'),
    SYSTEMD_DIR: path.join(root, 'etc', 'systemd', 'system'),
    CLI_PLUGINS_DIR: path.join(root, 'usr', 'local', 'lib', 'docker', 'cli-plugins'),
    LAUNCH_RETRY_SECONDS: '0',
    TEARDOWN_RETRY_SECONDS: '0',
  };

  return {
    root,
    state,
    env,
    run(script, args = [], extraEnv = {}) {
      const result = spawnSync('bash', [script, ...args], {
        cwd: root,
        env: { ...env, ...extraEnv },
        encoding: 'utf8',
        // A limit for a hung script; the stubs answer at once, but a busy machine runs bash slowly.
        timeout: 60_000,
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    calls(command) {
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      const calls = lines.map((line) => {
        const [name, cwd, ...args] = line.split('\t');
        return { command: name, cwd, args };
      });
      return command ? calls.filter((call) => call.command === command) : calls;
    },
    clearCalls() {
      writeFileSync(log, '');
    },
    resources() {
      if (!existsSync(state)) return [];
      return readdirSync(state)
        .filter((name) => name !== 'files')
        .sort();
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The calls whose args start with these words, e.g. callsTo(calls, 'ec2', 'run-instances'). */
export function callsTo(calls: Call[], ...prefix: string[]): Call[] {
  return calls.filter((call) => prefix.every((word, i) => call.args[i] === word));
}

/** The value after `--option` in one call's args. */
export function optionValue(call: Call, option: string): string | undefined {
  const i = call.args.indexOf(option);
  return i >= 0 ? call.args[i + 1] : undefined;
}
