/**
 * Whether a service on one vendor's SDK continues the traces of a service on another's: activities under the
 * caller, users under the callee, a few home-feed requests, then for each one, read back from the sandbox, whether
 * the callee's trace has the caller's trace id and hangs off one of the caller's spans. The answer to "can we
 * migrate one service at a time?" (issue 13: `xray` and `xray-otel`, both on `X-Amzn-Trace-Id`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AdapterName } from '../../adapters/types';
import type { SandboxVendor } from '../../shared/sandbox-api';
import { type ServiceProcess, startRole } from '../services';
import { waitForQuiet } from './collect';

/**
 * Pairs checked when a compare includes both, each way round: adapters that share a native propagation header
 * besides W3C `traceparent` (which every OpenTelemetry-based adapter shares by construction).
 */
export const INTEROP_PAIRS: ReadonlyArray<readonly [AdapterName, AdapterName]> = [['xray', 'xray-otel']];

export interface InteropResult {
  caller: AdapterName;
  callee: AdapterName;
  requests: number;
  /** Requests whose users-service spans carry the caller's trace id and hang off a caller span. */
  continued: number;
}

interface Trace {
  traceId: string;
  seq: number | null;
}
interface Span {
  spanId: string;
  parentId: string | null;
}

export interface InteropOptions {
  caller: AdapterName;
  callee: AdapterName;
  /** Environment pointing every adapter at the sandbox (harness/services.ts `sandboxEnv`). */
  env: Record<string, string | undefined>;
  sandboxUrl: string;
  /** A run id of its own, so these requests never mix with the compare's. */
  runId: string;
  requests?: number;
}

export async function checkInterop(options: InteropOptions): Promise<InteropResult> {
  const { caller, callee, sandboxUrl, runId } = options;
  const requests = options.requests ?? 5;
  const dataDir = mkdtempSync(path.join(tmpdir(), `bakeoff-interop-${caller}-${callee}-`));
  const env = { ...options.env, DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0', CHAOS: 'off' };
  const services: ServiceProcess[] = [];
  try {
    services.push(await startRole('users', { ...env, OBSERVABILITY: callee }));
    services.push(
      await startRole('activities', { ...env, OBSERVABILITY: caller, USERS_URL: services[0].url }),
    );
    for (let seq = 1; seq <= requests; seq++) {
      const res = await fetch(`${services[1].url}/api/activities/home`, {
        headers: { 'x-bakeoff-run': runId, 'x-bakeoff-seq': String(seq) },
      });
      await res.arrayBuffer();
    }
  } finally {
    // SIGTERM flushes every adapter; activities first, so its last calls to users still land.
    for (const service of [...services].reverse()) {
      if (service.child.exitCode === null) service.child.kill('SIGTERM');
      await service.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  await waitForQuiet(sandboxUrl, caller as SandboxVendor);
  await waitForQuiet(sandboxUrl, callee as SandboxVendor);
  return { caller, callee, requests, continued: await countContinued(options, requests) };
}

async function countContinued(options: InteropOptions, requests: number): Promise<number> {
  const get = async <T>(urlPath: string): Promise<T> =>
    (await (await fetch(`${options.sandboxUrl}${urlPath}`)).json()) as T;
  const traces = (vendor: string) =>
    get<Trace[]>(`/api/traces?vendor=${vendor}&run=${encodeURIComponent(options.runId)}&limit=1000`);
  const spans = async (vendor: string, traceId: string) =>
    (await get<{ spans: Span[] }>(`/api/traces/${vendor}/${encodeURIComponent(traceId)}`)).spans;
  const [callerTraces, calleeTraces] = [await traces(options.caller), await traces(options.callee)];
  let continued = 0;
  for (let seq = 1; seq <= requests; seq++) {
    const caller = callerTraces.find((t) => t.seq === seq);
    const callee = calleeTraces.find((t) => t.seq === seq);
    if (!caller || !callee || caller.traceId !== callee.traceId) continue;
    const callerIds = new Set((await spans(options.caller, caller.traceId)).map((s) => s.spanId));
    const calleeSpans = await spans(options.callee, callee.traceId);
    const own = new Set(calleeSpans.map((s) => s.spanId));
    const entries = calleeSpans.filter((s) => !s.parentId || !own.has(s.parentId));
    if (entries.length > 0 && entries.every((s) => s.parentId !== null && callerIds.has(s.parentId)))
      continued++;
  }
  return continued;
}
