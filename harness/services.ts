/**
 * Starts the users and activities services as child processes of the built CLI, the way a user runs them,
 * and stops them with SIGTERM (so every adapter flushes). Used by compare, bench and the adapter tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { vendorScrubOverrides } from '../vendors/credential-scrub';

/**
 * Overrides (merged over the parent environment) that point every adapter at one sandbox, with every variable
 * that could reach a real vendor account unset: vendor credentials in the caller's shell must never send a
 * test's or a comparison's data to a real account (one policy for every command: vendors/credential-scrub.ts).
 */
export function sandboxEnv(
  sandbox: { url: string; xrayAddress: string; datadogUrl: string },
  parent: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string | undefined> {
  return {
    ...vendorScrubOverrides(parent),
    BAKEOFF_SANDBOX: sandbox.url,
    AWS_XRAY_DAEMON_ADDRESS: sandbox.xrayAddress,
    DD_TRACE_AGENT_URL: sandbox.datadogUrl,
  };
}

/** The built CLI: next to this file in dist/, or dist/ of the checkout when running from source. */
export function cliPath(): string {
  const sibling = path.resolve(__dirname, '../cli/bakeoff.js');
  return existsSync(sibling) ? sibling : path.resolve(__dirname, '../dist/cli/bakeoff.js');
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `bakeoff serve --role <role>` and resolves once it prints its URL. */
export function startRole(
  role: 'activities' | 'users' | 'notifications',
  env: Record<string, string | undefined>,
  // A limit for a service that hangs, not a speed check: on a busy machine (a parallel test run, a small
  // instance) loading a vendor SDK alone can take tens of seconds.
  timeoutMs = 90_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [cliPath(), 'serve', '--role', role, '--quiet'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${role} did not start within ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = text.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => text, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited (${signal ?? code}) before listening:\n${text}`));
    });
  });
}

export interface ServicePairProcess {
  activities: ServiceProcess;
  users: ServiceProcess;
  /** The notifications worker, when started with `{ worker: true }`. */
  notifications?: ServiceProcess;
  /** SIGTERM both (activities first, so its last calls to users still land); resolves with their exits. */
  stop(): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>>;
  kill(): void;
  output(): string;
}

export async function startServicePair(
  env: Record<string, string | undefined>,
  options: {
    usersUrlFor?: (usersUrl: string) => string | Promise<string>;
    /** Also start the notifications worker (`--role notifications`), which handles the queue's messages. */
    worker?: boolean;
    /** Overrides for the worker's environment only (compare points it at relays that count its bytes). */
    workerEnv?: Record<string, string | undefined>;
  } = {},
): Promise<ServicePairProcess> {
  const users = await startRole('users', env);
  const usersUrl = options.usersUrlFor ? await options.usersUrlFor(users.url) : users.url;
  let activities: ServiceProcess;
  try {
    activities = await startRole('activities', { ...env, USERS_URL: usersUrl });
  } catch (error) {
    users.child.kill('SIGKILL');
    throw error;
  }
  let notifications: ServiceProcess | undefined;
  if (options.worker) {
    try {
      notifications = await startRole('notifications', { ...env, ...options.workerEnv });
    } catch (error) {
      for (const p of [activities, users]) p.child.kill('SIGKILL');
      throw error;
    }
  }
  const alive = (p: ServiceProcess) => p.child.exitCode === null && p.child.signalCode === null;
  return {
    activities,
    users,
    notifications,
    async stop() {
      if (alive(activities)) activities.child.kill('SIGTERM');
      const first = await activities.exited;
      // The worker after the producer (its last sends are in the queue), before users.
      const worker = notifications;
      const workerExit = worker ? [await stopOne(worker, alive)] : [];
      if (alive(users)) users.child.kill('SIGTERM');
      return [first, ...workerExit, await users.exited];
    },
    kill() {
      for (const p of [activities, users, notifications]) if (p && alive(p)) p.child.kill('SIGKILL');
    },
    output: () => [users, activities, notifications].map((p) => p?.output() ?? '').join('\n'),
  };
}

function stopOne(
  p: ServiceProcess,
  alive: (p: ServiceProcess) => boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (alive(p)) p.child.kill('SIGTERM');
  return p.exited;
}
