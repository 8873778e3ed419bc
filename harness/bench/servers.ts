/**
 * One fresh pair of service processes (users, then activities) for one arm and round, pinned to the server
 * core(s), with chaos off, a fresh data directory and every vendor pointed at the drop-ack sandbox.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scrubVendorEnv } from '../../vendors/credential-scrub';
import type { DropAckInfo } from './drop-ack-child';
import { distFile } from './paths';
import { pinnedCommand } from './pinning';

export interface ServerPair {
  activitiesUrl: string;
  pids: number[];
  /** SIGTERM both (they drain and flush telemetry), SIGKILL after `timeoutMs`; says whether both exited 0. */
  stop(timeoutMs?: number): Promise<{ clean: boolean; detail: string }>;
}

/** The environment both services of an arm get: nothing inherited that points a vendor elsewhere. */
export function armEnv(
  arm: string,
  sandbox: DropAckInfo,
  dataDir: string,
): Record<string, string | undefined> {
  return {
    // The same credential policy as compare and the demo (vendors/credential-scrub.ts); vendor settings are
    // dropped too, so every arm runs the same SDK setup whatever the caller's shell holds.
    ...scrubVendorEnv(process.env, { settings: 'drop' }),
    OBSERVABILITY: arm === 'bare' ? 'none' : arm,
    PORT: '0',
    USERS_PORT: '0',
    DATA_DIR: dataDir,
    CHAOS: 'off',
    BAKEOFF_SANDBOX: sandbox.url,
    AWS_XRAY_DAEMON_ADDRESS: sandbox.xrayAddress,
    DD_TRACE_AGENT_URL: sandbox.datadogUrl,
    // The same for every arm: dd-trace reads it, and Express picks its behaviour from it.
    NODE_ENV: 'production',
  };
}

interface Started {
  child: ChildProcess;
  output(): string;
  url: Promise<string>;
}

function startProcess(
  nodeArgs: string[],
  env: Record<string, string | undefined>,
  cpus: string | null,
): Started {
  const [command, args] = pinnedCommand(cpus, nodeArgs);
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-20_000);
      const match = text.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`exited (${signal ?? code}) before listening:\n${text}`)),
    );
  });
  url.catch(() => undefined);
  return { child, output: () => text, url };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not start within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function stopProcess(p: Started, timeoutMs: number): Promise<{ code: number | null; killed: boolean }> {
  const { child } = p;
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, killed: false });
  }
  return new Promise((resolve) => {
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed });
    });
    child.kill('SIGTERM');
  });
}

export async function startServerPair(
  arm: string,
  sandbox: DropAckInfo,
  cpus: string | null,
  startTimeoutMs = 60_000,
): Promise<ServerPair> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `bakeoff-bench-${arm}-`));
  const env = armEnv(arm, sandbox, dataDir);
  const roleArgs = (role: string) =>
    arm === 'bare'
      ? [distFile('harness/bench/bare-server.js')]
      : [distFile('cli/bakeoff.js'), 'serve', '--role', role, '--quiet'];
  const started: Started[] = [];
  const stopAll = async (timeoutMs: number) => {
    const exits = await Promise.all([...started].reverse().map((p) => stopProcess(p, timeoutMs)));
    rmSync(dataDir, { recursive: true, force: true });
    return exits;
  };
  try {
    const users = startProcess(roleArgs('users'), { ...env, ROLE: 'users' }, cpus);
    started.push(users);
    const usersUrl = await withTimeout(users.url, startTimeoutMs, `${arm} users service`);
    const activities = startProcess(
      roleArgs('activities'),
      { ...env, ROLE: 'activities', USERS_URL: usersUrl },
      cpus,
    );
    started.push(activities);
    const activitiesUrl = await withTimeout(activities.url, startTimeoutMs, `${arm} activities service`);
    return {
      activitiesUrl,
      pids: started.map((p) => p.child.pid ?? -1),
      async stop(timeoutMs = 20_000) {
        const exits = await stopAll(timeoutMs);
        const clean = exits.every((e) => e.code === 0 && !e.killed);
        const detail = clean
          ? 'both exited 0'
          : exits
              .map(
                (e, i) =>
                  `${i === 0 ? 'activities' : 'users'}: ${e.killed ? 'killed after timeout' : `exit ${e.code}`}`,
              )
              .join(', ');
        return { clean, detail };
      },
    };
  } catch (error) {
    const output = started.map((p) => p.output()).join('\n');
    await stopAll(2000);
    throw new Error(`${(error as Error).message}\n${output}`.slice(0, 4000), { cause: error });
  }
}
