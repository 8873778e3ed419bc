/**
 * What a vendor outage costs the service: for each adapter, the p50/p99 latency of the same seeded read-heavy
 * load while the vendor endpoint refuses connections, and while it accepts and never answers, against the
 * `none` adapter; plus how long graceful shutdown then takes. Companion to the outage tests, which only assert
 * what noise cannot break (no request waits for a vendor timeout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADAPTER_NAMES, type AdapterName } from '../../adapters/types';
import { type DeadEndpoint, deadVendorEnv, hangingEndpoint, refusedEndpoint } from '../dead-endpoints';
import { runLoad } from '../load/runner';
import { sandboxEnv, startServicePair } from '../services';

export type Outage = 'refused' | 'hanging';

export interface OutageRow {
  adapter: AdapterName;
  outage: Outage | 'none';
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** p50 relative to the `none` baseline (1.05 = 5 % slower). */
  p50VsNone: number | null;
  shutdownMs: number;
  cleanExit: boolean;
}

export interface OutageOptions {
  adapters?: readonly AdapterName[];
  requests?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

async function measure(adapter: AdapterName, endpoint: DeadEndpoint, requests: number, concurrency: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), `bakeoff-outage-${adapter}-`));
  const pair = await startServicePair({
    ...sandboxEnv(deadVendorEnv(endpoint.port)),
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
  const baseline = async () => {
    const dead = await refusedEndpoint();
    const m = await measure('none', dead, requests, concurrency);
    baselineRuns.push(m.p50Ms);
    rows.push({ adapter: 'none', outage: 'none', ...m, p50VsNone: null });
    log(`none: p50 ${m.p50Ms} ms`);
  };
  await baseline();
  for (const adapter of adapters) {
    for (const outage of ['refused', 'hanging'] as const) {
      const dead = outage === 'hanging' ? await hangingEndpoint() : await refusedEndpoint();
      try {
        const m = await measure(adapter, dead, requests, concurrency);
        rows.push({ adapter, outage, ...m, p50VsNone: null });
        log(`${adapter} (${outage}): p50 ${m.p50Ms} ms, shutdown ${m.shutdownMs} ms, errors ${m.errors}`);
      } finally {
        await dead.close();
      }
    }
  }
  await baseline(); // again at the end, so drift over the run shows and is averaged out
  const none = baselineRuns.reduce((a, b) => a + b, 0) / baselineRuns.length;
  for (const row of rows)
    if (row.adapter !== 'none') row.p50VsNone = Math.round((row.p50Ms / none) * 1000) / 1000;
  return rows;
}
