/**
 * `bakeoff load`: seeded traffic at the activities service. Flags are validated up front (exit 2 with the
 * problem and a pointer to --help); request failures are counted in the summary, never thrown.
 */
import { parseArgs } from 'node:util';
import { BakeoffError } from '../config/errors';
import { integerFlag } from './args';
import { createProgressReporter, formatSummary } from '../harness/load/progress';
import {
  DEFAULT_REQUESTS,
  DEFAULT_TARGET,
  type LoadOptions,
  resolveLoadOptions,
  runLoad,
} from '../harness/load/runner';
import { listWorkloads } from '../harness/load/workload';

export const LOAD_HELP = `Usage: bakeoff load [options]

Sends seeded traffic to the activities service. The same --seed and --scenario send the same requests in the
same order, so every vendor in a comparison sees identical traffic. Every request carries the headers
x-bakeoff-run: <run id> and x-bakeoff-seq: <1, 2, 3, …>.

Options:
  --target URL          activities service base URL (default ${DEFAULT_TARGET})
  --requests N          send N requests (default ${DEFAULT_REQUESTS}, or unlimited with --duration)
  --duration T          stop starting requests after T: 30s, 2m, 1500ms, 1h (a bare number is seconds)
                        (with --requests too, whichever comes first)
  --concurrency C       at most C requests in flight (default 4)
  --rate R              target requests per second, 0 = as fast as possible (default 0)
  --seed S              seed of the request plan, integer (default 1)
  --scenario NAME       workload mix: ${listWorkloads().join(', ') || 'mixed'} (default mixed), or a path to a .yaml file
                        (config/workloads/; chaos scenarios are the service's CHAOS setting, not this)
  --run ID              run id for the x-bakeoff-run header (default run-<UTC timestamp>)
  --timeout T           per-request timeout, same units as --duration (default 10s)
  --record FILE         write one NDJSON line per request: {seq, route, status, startMs, endMs}
  --json                print only a JSON summary on stdout (no progress)
  -h, --help            show this help

Statuses are HTTP codes, or ERR_<code> for requests that got no response (ERR_ECONNREFUSED, ERR_TIMEOUT, …).
Exit status: 0 when the run completed, 1 when no request got any response, 2 for invalid options.
`;

const usage = (message: string) => new BakeoffError('BAKEOFF_ERR_USAGE', message);

/** `30s`, `2m`, `1500ms`, `1h`, or a bare number of seconds → milliseconds. */
export function parseDuration(raw: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match?.[2] ?? 's'] ?? 0;
  const value = match ? Number(match[1]) * factor : Number.NaN;
  if (!(value > 0))
    throw usage(`--${flag} must be a positive duration like 30s, 2m or 1500ms (got "${raw}")`);
  return value;
}

function number(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
    throw usage(`--${flag} must be a number ≥ 0 (got "${raw}")`);
  return n;
}

export type ParsedLoadArgs = { help: true } | { help: false; json: boolean; options: LoadOptions };

/** Parses and validates argv (everything after `load`). Throws a BakeoffError (usage or unknown workload). */
export function parseLoadArgs(argv: string[]): ParsedLoadArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        target: { type: 'string' },
        requests: { type: 'string' },
        duration: { type: 'string' },
        concurrency: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        scenario: { type: 'string' },
        run: { type: 'string' },
        timeout: { type: 'string' },
        record: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (values.help) return { help: true };
  const str = (k: string) => values[k] as string | undefined;
  const duration = str('duration');
  const timeout = str('timeout');
  const options: LoadOptions = {
    target: str('target'),
    requests: integerFlag('requests', str('requests'), 1),
    durationMs: duration === undefined ? undefined : parseDuration(duration, 'duration'),
    concurrency: integerFlag('concurrency', str('concurrency'), 1),
    rate: number(str('rate'), 'rate'),
    seed: integerFlag('seed', str('seed'), 0),
    scenario: str('scenario'),
    runId: str('run'),
    timeoutMs: timeout === undefined ? undefined : parseDuration(timeout, 'timeout'),
    recordFile: str('record'),
  };
  // The rest of the checks (ranges, URL, run id, workload file) live with the runner; run them now so a
  // bad flag fails before anything is sent.
  resolveLoadOptions(options);
  return { help: false, json: values.json === true, options };
}

export interface LoadCommandIo {
  /** Summary output (stdout by default). */
  out?: (text: string) => void;
  /** Where progress and problems go (stderr by default); a TTY gets the live progress line. */
  err?: { write(text: string): unknown; isTTY?: boolean };
  /** Stops the run early; default: the first SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

/** `bakeoff load …`: sets process.exitCode (2 invalid flags, 1 nothing answered) rather than throwing. */
export async function runLoadCommand(argv: string[], io: LoadCommandIo = {}): Promise<void> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? process.stderr;
  let parsed: ParsedLoadArgs;
  try {
    parsed = parseLoadArgs(argv);
  } catch (error) {
    if (!(error instanceof BakeoffError)) throw error;
    err.write(`bakeoff load: ${error.message}\nRun \`bakeoff load --help\` for the options.\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    out(LOAD_HELP);
    return;
  }

  const stopper = new AbortController();
  const onSignal = () => stopper.abort();
  if (io.signal) io.signal.addEventListener('abort', onSignal, { once: true });
  else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const reporter = parsed.json ? undefined : createProgressReporter(err);
  const options: LoadOptions = {
    ...parsed.options,
    signal: stopper.signal,
    onProgress: reporter ? (p) => reporter.update(p) : undefined,
    progressIntervalMs: reporter?.intervalMs,
  };
  try {
    const summary = await runLoad(options);
    reporter?.finish();
    out(parsed.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary, resolveTarget(options))}\n`);
    const answered = Object.keys(summary.statuses).some((status) => !status.startsWith('ERR_'));
    if (summary.requests > 0 && !answered) {
      err.write(
        `bakeoff load: no request got a response; is the service running at ${resolveTarget(options)}?\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function resolveTarget(options: LoadOptions): string {
  return (options.target ?? DEFAULT_TARGET).replace(/\/+$/, '');
}
