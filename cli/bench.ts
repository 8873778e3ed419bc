/**
 * `bakeoff bench`: what each vendor's instrumentation costs in throughput, latency, CPU, memory and bytes on
 * the wire, measured in one run against a `bare` Express app and our services with `OBSERVABILITY=none`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BakeoffError } from '../config/errors';
import { integerFlag } from './args';
import { ALL_ARMS } from '../harness/bench/arms';
import { DEFAULT_SETTINGS, QUICK_SETTINGS, runBench } from '../harness/bench/run';
import { formatTable } from '../harness/bench/table';
import type { BenchReport } from '../harness/bench/types';

const HELP = `Usage: bakeoff bench [options]

Measures each vendor adapter's overhead: for every round, each arm runs on a fresh pair of service processes
(chaos off) under the same autocannon route mix (a light search + the home feed), with vendor data sent to a
drop-and-ack sandbox in its own process. Arms: bare (Express without our facade), none, and every vendor
adapter (one per vendor manifest in vendors/).

Options:
  --quick               1 short round per arm (${QUICK_SETTINGS.durationS} s measured), for a smoke check
  --rounds <n>          rounds; arms are interleaved, order rotated each round (default ${DEFAULT_SETTINGS.rounds})
  --duration <s>        measured seconds of mixed load per arm and round (default ${DEFAULT_SETTINGS.durationS})
  --warmup <s>          discarded warm-up seconds before it (default ${DEFAULT_SETTINGS.warmupS})
  --light-duration <s>  seconds of light-route-only load after it (default ${DEFAULT_SETTINGS.lightDurationS})
  --connections <n>     concurrent connections (default ${DEFAULT_SETTINGS.connections})
  --pairs <n>           paired light-route bursts of bare and none, back to back, for none ÷ bare
                        (default ${DEFAULT_SETTINGS.lightPairs}; 0: none)
  --pair-duration <s>   seconds of each of those bursts (default ${DEFAULT_SETTINGS.lightPairDurationS})
  --arms <a,b,…>        subset of: ${ALL_ARMS.join(', ')}
  --out <dir>           write <dir>/bench.json and <dir>/bench.png (+ bench.html)
  --no-chart            with --out, skip the PNG (no Chromium needed)
  -h, --help            show this help

Output: a table on stdout; arms whose runs saw errors or non-2xx answers are marked invalid. The last line is
light none ÷ bare from the paired bursts (median of the per-pair ratios, ± its standard error, quartiles; and
CPU per request, bare ÷ none, the same way) with the noise verdict: whether that ratio held steady enough from
pair to pair (standard error ≤ 1 %) for the figure to mean anything (also in bench.json). The table's
"light ÷bare" column compares medians of rounds minutes apart: on a machine whose speed drifts, only a rough
guide.
For what each of our own layers costs, in CPU µs per request: node scripts/bench-layers.js
`;

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  rounds: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'light-duration': { type: 'string' },
  connections: { type: 'string' },
  pairs: { type: 'string' },
  'pair-duration': { type: 'string' },
  arms: { type: 'string' },
  out: { type: 'string' },
  'no-chart': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** parseArgs with its errors (unknown flag, missing value) turned into a usage error that names the help. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (error) {
    throw new BakeoffError('BAKEOFF_ERR_USAGE', `${(error as Error).message}; see \`bakeoff bench --help\``);
  }
}

export async function runBenchCommand(argv: string[]): Promise<BenchReport | undefined> {
  const values = parseFlags(argv);
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const base = values.quick ? QUICK_SETTINGS : DEFAULT_SETTINGS;
  const arms = values.arms
    ?.split(',')
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean);
  const unknown = arms?.filter((a) => !ALL_ARMS.includes(a)) ?? [];
  if (unknown.length > 0) {
    throw new BakeoffError(
      'BAKEOFF_ERR_USAGE',
      `--arms: unknown ${unknown.join(', ')}; arms are ${ALL_ARMS.join(', ')}`,
    );
  }
  const report = await runBench({
    rounds: integerFlag('rounds', values.rounds, 1) ?? base.rounds,
    durationS: integerFlag('duration', values.duration, 1) ?? base.durationS,
    warmupS: integerFlag('warmup', values.warmup, 1) ?? base.warmupS,
    lightDurationS: integerFlag('light-duration', values['light-duration'], 1) ?? base.lightDurationS,
    connections: integerFlag('connections', values.connections, 1) ?? base.connections,
    lightPairs: integerFlag('pairs', values.pairs, 0) ?? base.lightPairs,
    lightPairDurationS: integerFlag('pair-duration', values['pair-duration'], 1) ?? base.lightPairDurationS,
    arms,
    command: ['bakeoff', 'bench', ...argv].join(' '),
  });
  process.stdout.write(formatTable(report));
  if (values.out) {
    const dir = path.resolve(values.out);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`bench: wrote ${path.join(dir, 'bench.json')}\n`);
    if (!values['no-chart']) {
      const { renderChartPng, writeChartHtml } = await import('../harness/bench/chart');
      writeChartHtml(report, path.join(dir, 'bench.html'));
      try {
        await renderChartPng(report, path.join(dir, 'bench.png'));
        process.stdout.write(`bench: wrote ${path.join(dir, 'bench.png')}\n`);
      } catch (error) {
        // The figures are the product; a missing browser only costs the picture.
        process.stderr.write(
          `bench: no PNG (${(error as Error).message.split('\n')[0]}); bench.html has the chart\n`,
        );
      }
    }
  }
  if (report.arms.some((a) => !a.valid)) process.exitCode = 1;
  return report;
}
