/**
 * Runs the real stack for adapter tests: a sandbox in this process, and the users and activities services as
 * child processes of the built CLI with `OBSERVABILITY=<adapters>`, every vendor pointed at the sandbox (or at
 * a dead endpoint, for outage tests).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadVendorEnv, hangingEndpoint, refusedEndpoint } from '../../harness/dead-endpoints';
import { type ServicePairProcess, sandboxEnv, startServicePair } from '../../harness/services';
import { type Sandbox, startSandbox } from '../../sandbox/server';

export const CONFORMANCE_SCENARIO = path.resolve(__dirname, '../fixtures/scenarios/conformance.yaml');
/** A seeded activity: the failing reply needs a syntactically valid parent. */
export const SEEDED_UUID = '5eed0000-0000-4000-8000-000000000001';

export type Endpoints = 'sandbox' | 'refused' | 'hanging';

export interface StackOptions {
  observability: string;
  /** Where vendor data goes: the sandbox, a port that refuses connections, or one that accepts and never answers. */
  endpoints?: Endpoints;
  env?: Record<string, string>;
}

export interface Response {
  status: number;
  body: unknown;
  ms: number;
}

export interface Stack {
  sandbox: Sandbox | undefined;
  runId: string;
  activitiesUrl: string;
  usersUrl: string;
  /** The activities service's process id (for /proc readings of it). */
  activitiesPid: number;
  request(method: 'GET' | 'POST', urlPath: string, seq: number, body?: unknown): Promise<Response>;
  /** SIGTERM both services; resolves with their exits. */
  stop(): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>>;
  /** GET a sandbox JSON API path. */
  api<T = any>(urlPath: string): Promise<T>;
  output(): string;
  close(): Promise<void>;
}

let runCounter = 0;

export async function startStack(options: StackOptions): Promise<Stack> {
  const endpoints = options.endpoints ?? 'sandbox';
  const cleanups: Array<() => Promise<void>> = [];
  let sandbox: Sandbox | undefined;
  let vendorEnv: Record<string, string | undefined>;
  if (endpoints === 'sandbox') {
    sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
    cleanups.push(() => sandbox!.close());
    vendorEnv = sandboxEnv(sandbox);
  } else {
    const dead = endpoints === 'hanging' ? await hangingEndpoint() : await refusedEndpoint();
    cleanups.push(() => dead.close());
    vendorEnv = sandboxEnv(deadVendorEnv(dead.port));
  }

  const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-adapter-'));
  const env: Record<string, string | undefined> = {
    OBSERVABILITY: options.observability,
    DATA_DIR: dataDir,
    PORT: '0',
    USERS_PORT: '0',
    CHAOS: CONFORMANCE_SCENARIO,
    // A dead endpoint takes every flush to the deadline, in each service: a short budget keeps that wait short
    // (exiting 0 within it is what the outage tests check, whatever its length).
    SHUTDOWN_TIMEOUT_MS: endpoints === 'sandbox' ? '5000' : '1500',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ...vendorEnv,
    ...options.env,
  };

  let pair: ServicePairProcess;
  try {
    pair = await startServicePair(env);
  } catch (error) {
    for (const cleanup of cleanups) await cleanup();
    throw error;
  }
  const activitiesUrl = pair.activities.url;
  const runId = `test-${process.pid}-${++runCounter}`;

  const stack: Stack = {
    sandbox,
    runId,
    activitiesUrl,
    usersUrl: pair.users.url,
    activitiesPid: pair.activities.child.pid!,
    async request(method, urlPath, seq, body) {
      const started = performance.now();
      const res = await fetch(`${activitiesUrl}${urlPath}`, {
        method,
        headers: {
          'x-bakeoff-run': runId,
          'x-bakeoff-seq': String(seq),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, ms: performance.now() - started };
    },
    stop: () => pair.stop(),
    async api(urlPath) {
      if (!sandbox) throw new Error('no sandbox in an outage stack');
      const res = await fetch(`${sandbox.url}${urlPath}`);
      if (!res.ok) throw new Error(`${urlPath} → ${res.status}: ${await res.text()}`);
      return (await res.json()) as any;
    },
    output: () => pair.output(),
    async close() {
      pair.kill();
      for (const cleanup of cleanups) await cleanup();
    },
  };
  return stack;
}

/**
 * Polls `check` until it returns a truthy value (or throws its last error at the deadline). The default deadline
 * is for a busy machine, where other test files' services compete for the CPU.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(200);
  }
  throw last instanceof Error ? last : new Error(`condition not met within ${timeoutMs} ms`);
}
