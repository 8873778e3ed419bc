/**
 * Which cores each process of the bench gets. The server pair must not share a core with the load generator
 * (else a heavier SDK would also slow autocannon and look cheaper than it is), so with `taskset` and at least
 * two cores the services get one core of their own. The drop-ack sandbox shares the load generator's core on
 * a 2-core machine: it does almost nothing per payload, and what it does never lands on the server's core.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface PinningPlan {
  /** `taskset -c` lists per role, or null when not pinned. */
  server: string | null;
  load: string | null;
  sandbox: string | null;
  /** One sentence for the report: what was done and why. */
  description: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function planPinning(cpus = os.availableParallelism()): PinningPlan {
  if (process.platform !== 'linux' || !hasTaskset()) {
    return { server: null, load: null, sandbox: null, description: 'not pinned: taskset is not available' };
  }
  if (cpus < 2) {
    return { server: null, load: null, sandbox: null, description: 'not pinned: only one core' };
  }
  if (cpus === 2) {
    return {
      server: '1',
      load: '0',
      sandbox: '0',
      description: 'taskset: both services on core 1; autocannon and the drop-ack sandbox on core 0',
    };
  }
  return {
    server: '2',
    load: '0',
    sandbox: '1',
    description: 'taskset: both services on core 2, autocannon on core 0, the drop-ack sandbox on core 1',
  };
}

/** `[command, ...args]` that runs `node args…` on `cpus` (taskset execs node, so the pid is node's). */
export function pinnedCommand(cpus: string | null, nodeArgs: string[]): [string, string[]] {
  return cpus ? ['taskset', ['-c', cpus, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
}
