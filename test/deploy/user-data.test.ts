/** deploy/ec2/user-data.sh against fake dnf, systemctl, curl, git, aws and docker in a temporary root. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsTo, createSandbox, EC2_DIR, type Sandbox } from './harness';

const USER_DATA = path.join(EC2_DIR, 'user-data.sh');
const SECRET_KEY = 'hc-secret-value-123';
const SECRET_DSN = 'https://abc123@o1.ingest.sentry.io/42';

let box: Sandbox;
let appDir: string;
let settings: NodeJS.ProcessEnv;

function writeSsm(lines: string[]) {
  const file = path.join(box.root, 'ssm.txt');
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

/** Every file under dir with its sha256, to prove a second run changes nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

beforeEach(() => {
  box = createSandbox();
  appDir = path.join(box.env.BAKEOFF_ROOT as string, 'app');
  settings = {
    BAKEOFF_REPO: 'https://example.test/bakeoff.git',
    BAKEOFF_REF: 'v1.2.3',
    BAKEOFF_PROFILES: 'xray,datadog',
    AUTO_STOP_HOURS: '6',
    AWS_REGION: 'eu-west-1',
    STUB_SSM_OUTPUT: writeSsm([
      `/bakeoff/HONEYCOMB_API_KEY\t${SECRET_KEY}`,
      `/bakeoff/SENTRY_DSN\t${SECRET_DSN}`,
      '/bakeoff/OBSERVABILITY\txray,sentry',
    ]),
  };
});
afterEach(() => box.cleanup());

describe('user-data.sh', () => {
  it('installs docker and git with dnf and starts docker', () => {
    const result = box.run(USER_DATA, [], settings);
    expect(result.status, result.stderr).toBe(0);
    expect(box.calls('dnf').map((c) => c.args)).toEqual([['install', '-y', 'docker', 'git']]);
    expect(box.calls('systemctl').map((c) => c.args)).toContainEqual(['enable', '--now', 'docker']);
  });

  it('installs the pinned compose and buildx plugins after checking their checksums', () => {
    box.run(USER_DATA, [], settings);
    const urls = box.calls('curl').map((c) => c.args[c.args.length - 1]);
    expect(urls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/docker\/compose\/releases\/download\/v2\.\d+\.\d+\/docker-compose-linux-/),
        expect.stringMatching(/docker\/compose\/releases\/download\/v2\.\d+\.\d+\/checksums\.txt$/),
        expect.stringMatching(
          /docker\/buildx\/releases\/download\/v0\.\d+\.\d+\/buildx-v0\.\d+\.\d+\.linux-/,
        ),
      ]),
    );
    const plugins = box.env.CLI_PLUGINS_DIR as string;
    for (const name of ['docker-compose', 'docker-buildx']) {
      expect(statSync(path.join(plugins, name)).mode & 0o111).not.toBe(0);
    }
  });

  it('refuses a plugin whose checksum does not match, and installs nothing', () => {
    const result = box.run(USER_DATA, [], { ...settings, STUB_CORRUPT_DOWNLOADS: '1' });
    expect(result.status).not.toBe(0);
    expect(readFileSync(box.env.LOG_FILE as string, 'utf8')).toMatch(
      /checksum mismatch for docker-compose-linux-/,
    );
    expect(result.stderr).toMatch(/bakeoff user-data: FAILED/);
    expect(existsSync(path.join(box.env.CLI_PLUGINS_DIR as string, 'docker-compose'))).toBe(false);
    expect(box.calls('docker')).toEqual([]);
  });

  it('clones the repository and checks out the requested ref', () => {
    box.run(USER_DATA, [], settings);
    const git = box.calls('git').map((c) => c.args);
    expect(git[0]).toEqual(['clone', '--no-checkout', 'https://example.test/bakeoff.git', appDir]);
    expect(git).toContainEqual(['-C', appDir, 'fetch', '--depth', '1', 'origin', 'v1.2.3']);
    expect(git).toContainEqual(['-C', appDir, 'checkout', '--force', '--detach', 'FETCH_HEAD']);
  });

  it('writes .env from SSM with decryption, plus what the profiles need, readable by root only', () => {
    box.run(USER_DATA, [], settings);
    const [ssm] = callsTo(box.calls('aws'), 'ssm', 'get-parameters-by-path');
    expect(ssm.args).toEqual(
      expect.arrayContaining(['--path', '/bakeoff/', '--with-decryption', '--region']),
    );
    const envFile = path.join(appDir, '.env');
    const lines = readFileSync(envFile, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(lines).toEqual([
      "AWS_REGION='eu-west-1'",
      "AWS_XRAY_DAEMON_ADDRESS='xray:2000'",
      // Names the real SQS queues (bakeoff-<stack>-notifications) that teardown.sh --name deletes.
      "BAKEOFF_STACK='demo'",
      "COMPOSE_PROFILES='xray,datadog'",
      "COMPOSE_PROJECT_NAME='bakeoff'",
      "DD_AGENT_HOST='datadog-agent'",
      "DD_TRACE_AGENT_URL='http://datadog-agent:8126'",
      `HONEYCOMB_API_KEY='${SECRET_KEY}'`,
      "OBSERVABILITY='xray,sentry'",
      "PUBLISH_ADDRESS='0.0.0.0'",
      `SENTRY_DSN='${SECRET_DSN}'`,
    ]);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
  });

  it('leaves AWS_REGION out of .env without the xray profile, so AWS adapters stay on the sandbox', () => {
    box.run(USER_DATA, [], { ...settings, BAKEOFF_PROFILES: '' });
    const env = readFileSync(path.join(appDir, '.env'), 'utf8');
    expect(env).not.toMatch(/^AWS_REGION=/m);
    expect(env).not.toMatch(/^AWS_XRAY_DAEMON_ADDRESS=/m);
    expect(env).toContain("COMPOSE_PROFILES=''\n");
  });

  it('lets an SSM parameter override a profile default', () => {
    settings.STUB_SSM_OUTPUT = writeSsm(['/bakeoff/AWS_XRAY_DAEMON_ADDRESS\tmy-daemon:2000']);
    box.run(USER_DATA, [], settings);
    expect(readFileSync(path.join(appDir, '.env'), 'utf8')).toContain(
      "AWS_XRAY_DAEMON_ADDRESS='my-daemon:2000'\n",
    );
  });

  it('never writes a secret to its log or its output', () => {
    const result = box.run(USER_DATA, [], settings);
    const log = readFileSync(box.env.LOG_FILE as string, 'utf8');
    expect(log).toContain('HONEYCOMB_API_KEY');
    for (const text of [log, result.stdout, result.stderr]) {
      expect(text).not.toContain(SECRET_KEY);
      expect(text).not.toContain('abc123');
    }
  });

  it('rejects a parameter name that is not an env var, without printing its value', () => {
    settings.STUB_SSM_OUTPUT = writeSsm([`/bakeoff/bad-name\t${SECRET_KEY}`]);
    const result = box.run(USER_DATA, [], settings);
    expect(result.status).not.toBe(0);
    const log = readFileSync(box.env.LOG_FILE as string, 'utf8');
    expect(log).toMatch(/\/bakeoff\/bad-name: the part after \/bakeoff\/ must be an env var name/);
    expect(log + result.stderr).not.toContain(SECRET_KEY);
    expect(box.calls('docker')).toEqual([]);
  });

  it('starts compose in the project directory with every chosen profile', () => {
    box.run(USER_DATA, [], settings);
    const [up] = box.calls('docker').filter((c) => c.args.includes('up'));
    expect(up.cwd).toBe(appDir);
    expect(up.args).toEqual(['compose', '--profile', 'xray', '--profile', 'datadog', 'up', '-d', '--build']);
  });

  it('installs and starts an auto-stop timer that powers off after AUTO_STOP_HOURS', () => {
    box.run(USER_DATA, [], settings);
    const dir = box.env.SYSTEMD_DIR as string;
    expect(readFileSync(path.join(dir, 'bakeoff-auto-stop.timer'), 'utf8')).toMatch(/^OnActiveSec=6h$/m);
    expect(readFileSync(path.join(dir, 'bakeoff-auto-stop.service'), 'utf8')).toMatch(
      /^ExecStart=\/usr\/bin\/systemctl poweroff$/m,
    );
    const systemctl = box.calls('systemctl').map((c) => c.args);
    expect(systemctl).toContainEqual(['enable', 'bakeoff-auto-stop.timer']);
    expect(systemctl).toContainEqual(['daemon-reload']);
    expect(systemctl).toContainEqual(['restart', 'bakeoff-auto-stop.timer']);
  });

  it('installs no timer with AUTO_STOP_HOURS=0', () => {
    box.run(USER_DATA, [], { ...settings, AUTO_STOP_HOURS: '0' });
    expect(existsSync(path.join(box.env.SYSTEMD_DIR as string, 'bakeoff-auto-stop.timer'))).toBe(false);
    expect(box.calls('systemctl').some((c) => c.args.join(' ').includes('auto-stop'))).toBe(false);
  });

  it('is idempotent: a second run clones, downloads and rewrites nothing', () => {
    expect(box.run(USER_DATA, [], settings).status).toBe(0);
    const before = snapshot(box.env.BAKEOFF_ROOT as string);
    const unitsBefore = snapshot(box.env.SYSTEMD_DIR as string);
    box.clearCalls();

    const second = box.run(USER_DATA, [], settings);
    expect(second.status, second.stderr).toBe(0);
    expect(snapshot(box.env.BAKEOFF_ROOT as string)).toEqual(before);
    expect(snapshot(box.env.SYSTEMD_DIR as string)).toEqual(unitsBefore);
    expect(Object.keys(unitsBefore).sort()).toEqual(['bakeoff-auto-stop.service', 'bakeoff-auto-stop.timer']);
    expect(box.calls('curl')).toEqual([]);
    expect(box.calls('git').filter((c) => c.args[0] === 'clone')).toEqual([]);
    const systemctl = box.calls('systemctl').map((c) => c.args);
    expect(systemctl).not.toContainEqual(['daemon-reload']);
    // `start` on a running timer keeps its deadline; only a changed timer is restarted.
    expect(systemctl).toContainEqual(['start', 'bakeoff-auto-stop.timer']);
    expect(systemctl).not.toContainEqual(['restart', 'bakeoff-auto-stop.timer']);
    expect(readFileSync(box.env.LOG_FILE as string, 'utf8')).toMatch(/\.env unchanged/);
  });

  it('fails clearly without BAKEOFF_REPO or with an unknown profile', () => {
    const noRepo = box.run(USER_DATA, [], { ...settings, BAKEOFF_REPO: '' });
    expect(noRepo.status).not.toBe(0);
    expect(noRepo.stdout).toMatch(/BAKEOFF_REPO is not set/);
    const badProfile = box.run(USER_DATA, [], { ...settings, BAKEOFF_PROFILES: 'xray,newrelic' });
    expect(badProfile.status).not.toBe(0);
    expect(badProfile.stdout).toMatch(/unknown profile 'newrelic'/);
    expect(box.calls()).toEqual([]);
  });

  it('--help and --dry-run change nothing', () => {
    const help = box.run(USER_DATA, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: user-data\.sh/);
    const dry = box.run(USER_DATA, ['--dry-run'], settings);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/profiles=xray,datadog auto-stop=6h/);
    expect(box.calls()).toEqual([]);
    expect(existsSync(box.env.LOG_FILE as string)).toBe(false);
  });
});
