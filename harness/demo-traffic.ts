/**
 * Gentle endless traffic for the one-command demo (`bakeoff serve --with-sandbox --with-load`): the `mixed`
 * workload at a few requests a second, so the sandbox UI fills up while someone looks at it. Quiet (one line
 * every 10 s on stderr) and unbreakable: a target that is down just shows up as ERR_ counts until it is back.
 */
import { defaultRunId, type LoadProgress, runLoad } from './load/runner';

export interface DemoTrafficOptions {
  /** Requests per second. Default 4. */
  rate?: number;
  /** Workload name or path. Default `mixed`. */
  scenario?: string;
  /** Seconds between summary lines. Default 10. */
  reportEverySeconds?: number;
  /** Where the summary lines go. Default stderr. */
  log?: (line: string) => void;
  /** Run id for `x-bakeoff-run`; share one across targets so the sandbox lines their requests up. */
  runId?: string;
  /** Called every `reportEverySeconds` with the running totals, instead of the summary line. */
  onProgress?: (progress: LoadProgress) => void;
}

export function startDemoTraffic(
  baseUrl: string,
  options: DemoTrafficOptions = {},
): { stop(): Promise<void> } {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runId = options.runId ?? defaultRunId('demo');
  const stopper = new AbortController();
  // Per-window figures: the runner reports totals, so keep the previous totals to print what is new.
  let previous = { done: 0, errors: 0 };
  const report = (p: LoadProgress) => {
    const done = p.done - previous.done;
    const errors = p.errors - previous.errors;
    previous = { done: p.done, errors: p.errors };
    log(
      `[load] ${runId}: ${done} requests in the last ${options.reportEverySeconds ?? 10} s, ${errors} errors ` +
        `(total ${p.done}, p50 ${p.latencyMs.p50} ms, p99 ${p.latencyMs.p99} ms)`,
    );
  };
  log(`[load] demo traffic to ${baseUrl} at ${options.rate ?? 4} req/s, run id ${runId}`);
  const running = runLoad({
    target: baseUrl,
    durationMs: Number.POSITIVE_INFINITY,
    rate: options.rate ?? 4,
    concurrency: 2,
    scenario: options.scenario ?? 'mixed',
    runId,
    timeoutMs: 5000,
    signal: stopper.signal,
    onProgress: options.onProgress ?? report,
    progressIntervalMs: (options.reportEverySeconds ?? 10) * 1000,
  }).catch((error: unknown) => {
    // Only bad options can reject; the demo goes on without traffic rather than taking the services down.
    log(`[load] demo traffic stopped: ${(error as Error).message}`);
    return undefined;
  });
  return {
    async stop() {
      stopper.abort();
      await running;
    },
  };
}
