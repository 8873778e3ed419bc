/** Runs the built CLI (`dist/`) as a child process, the way users run it. `npm test` builds first. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { vendorScrubOverrides } from '../../vendors/credential-scrub';

export const CLI = path.resolve(__dirname, '../../dist/cli/bakeoff.js');

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Sends `signal` the way a terminal does: with `processGroup`, to every process of the command (Ctrl-C is
   * SIGINT to the whole foreground group, children included); otherwise to the command's process alone.
   */
  signal(signal: NodeJS.Signals): void;
}

export interface SpawnOptions {
  /** Start the command in its own process group, as a shell does, so `signal` reaches its children too. */
  processGroup?: boolean;
}

export function spawnCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: SpawnOptions = {},
): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], {
    // The shell's vendor and AWS settings never reach a test's services (AWS_REGION would make the notifications
    // queue real SQS); a test that wants one passes it in `env`.
    env: { ...process.env, ...vendorScrubOverrides(process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup ?? false,
  });
  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(options.processGroup ? -child.pid : child.pid, name);
    } catch {
      // Already gone.
    }
  };
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // The default is a limit for a hung command, generous for a busy machine; speed checks pass their own.
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = text.match(pattern);
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${text}`));
      }, timeoutMs);
      listeners.add(check);
      check();
      void exited.then(() => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`process exited before ${pattern}; output:\n${text}`));
        }
      });
    });
  return { child, output: () => text, waitFor, exited, signal };
}
