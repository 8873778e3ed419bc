/**
 * What a vendor outage costs the service: for each adapter, the p50/p99 latency of the same seeded read-heavy
 * load with a healthy vendor endpoint (the sandbox, in this process), while it refuses connections, and while it
 * accepts and never answers, against the `none` adapter and the adapter's own healthy run; plus how long
 * graceful shutdown then takes. Companion to the outage tests, which only assert
 * what noise cannot break (no request waits for a vendor timeout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADAPTER_NAMES, type AdapterName } from '../../adapters/types';
import { startSandbox } from '../../sandbox/server';
import { deadVendorEnv, hangingEndpoint, refusedEndpoint } from '../dead-endpoints';
import { runLoad } from '../load/runner';
import { sandboxEnv, startServicePair } from '../services';

/** `healthy`: the vendor endpoint is the real sandbox, for the adapter's own cost without an outage. */
export type Outage = 'healthy' | 'refused' | 'hanging';

export interface OutageRow {
  adapter: AdapterName;
  outage: Outage | 'none';
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** p50 relative to the `none` baseline (1.05 = 5 % slower). */
  p50VsNone: number | null;
  /** p50 relative to the same adapter with a healthy endpoint: what the outage itself costs. */
  p50VsHealthy: number | null;
  /** Both services, one after the other: each is bounded by SHUTDOWN_TIMEOUT_MS (5 s here). */
  shutdownMs: number;
  cleanExit: boolean;
}

export interface OutageOptions {
  adapters?: readonly AdapterName[];
  requests?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

type VendorEndpoints = Parameters<typeof sandboxEnv>[0];

async function measure(adapter: AdapterName, vendor: VendorEndpoints, requests: number, concurrency: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), `bakeoff-outage-${adapter}-`));
  const pair = await startServicePair({
    ...sandboxEnv(vendor),
    OBSERVABILITY: adapter,
    DATA_DIR: dataDir,
    PORT: '0',
    USERS_PORT: '0',
    CHAOS: 'off',
    SHUTDOWN_TIMEOUT_MS: '5000',
  });
  try {
    const common = { target: pair.activities.url, seed: 1, scenario: 'read-heavy', concurrency };
    await runLoad({ ...common, requests: 30, runId: 'outage-warmup' });
    const summary = await runLoad({ ...common, requests, runId: `outage-${adapter}` });
    const stopping = performance.now();
    const exits = await pair.stop();
    return {
      p50Ms: summary.latencyMs.p50,
      p99Ms: summary.latencyMs.p99,
      errors: summary.errors,
      shutdownMs: Math.round(performance.now() - stopping),
      cleanExit: exits.every((e) => e.code === 0),
    };
  } finally {
    pair.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runOutageBench(options: OutageOptions = {}): Promise<OutageRow[]> {
  const adapters = options.adapters ?? ADAPTER_NAMES.filter((a) => a !== 'none');
  const requests = options.requests ?? 300;
  const concurrency = options.concurrency ?? 4;
  const log = options.log ?? (() => {});
  const rows: OutageRow[] = [];
  const baselineRuns: number[] = [];
  const sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const run = async (adapter: AdapterName, outage: Outage | 'none') => {
    const dead =
      outage === 'hanging' ? await hangingEndpoint() : outage === 'refused' ? await refusedEndpoint() : null;
    try {
      const m = await measure(adapter, dead ? deadVendorEnv(dead.port) : sandbox, requests, concurrency);
      rows.push({ adapter, outage, ...m, p50VsNone: null, p50VsHealthy: null });
      if (adapter === 'none') baselineRuns.push(m.p50Ms);
      log(`${adapter} (${outage}): p50 ${m.p50Ms} ms, shutdown ${m.shutdownMs} ms, errors ${m.errors}`);
    } finally {
      await dead?.close();
    }
  };
  try {
    await run('none', 'none');
    for (const adapter of adapters) {
      for (const outage of ['healthy', 'refused', 'hanging'] as const) await run(adapter, outage);
    }
    await run('none', 'none'); // again at the end, so drift over the run shows and is averaged out
  } finally {
    await sandbox.close();
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const none = baselineRuns.reduce((a, b) => a + b, 0) / baselineRuns.length;
  for (const row of rows) {
    if (row.adapter === 'none') continue;
    row.p50VsNone = ratio(row.p50Ms, none);
    const healthy = rows.find((r) => r.adapter === row.adapter && r.outage === 'healthy');
    if (healthy && row !== healthy) row.p50VsHealthy = ratio(row.p50Ms, healthy.p50Ms);
  }
  return rows;
}
