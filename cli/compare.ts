/** `bakeoff compare`: run the same seeded workload under each vendor and write the report card. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAdapterList } from '../config/env';
import { BakeoffError } from '../config/errors';
import { RELEASE_PATTERN, RELEASE_RULE } from '../config/release';
import { integerFlag } from './args';
import { writeReport } from '../harness/compare/report';
import { stabilityLine } from '../harness/compare/report-latency';
import { type CompareProgress, DEFAULT_VENDORS, runCompare } from '../harness/compare/run';
import { planScreenshots } from '../harness/compare/screenshot-plan';
import {
  allShots,
  NO_SCREENSHOTS,
  type ScreenshotSet,
  takeScreenshots,
} from '../harness/compare/screenshots';
import { writeupMarkdown } from '../harness/compare/writeup';

const HELP = `Usage: bakeoff compare [options]

Runs the same seeded workload under each vendor (one at a time, each in its own service processes, all
reporting to one vendor sandbox) and writes report.json, report.md, report.html and writeup.md.

Options:
  --vendors <list>      comma list (default: ${DEFAULT_VENDORS.join(',')})
  --requests <n>        requests per vendor (default 200)
  --seed <n>            seed for the workload and the injected chaos (default 42)
  --scenario <name>     workload mix from config/workloads, or a path (default mixed)
  --chaos <name>        chaos scenario from config/scenarios, or a path (default compare)
  --concurrency <n>     requests in flight (default 4)
  --out <dir>           where to write the report (default reports/<run id>)
  --run <id>            run id sent as x-bakeoff-run (default compare-<timestamp>)
  --release <name>      the release every vendor is told, in its own version field (default
                        $BAKEOFF_RELEASE, else the package version)
  --sandbox <url>       use a running sandbox instead of starting one
  --screenshots         also save PNGs of the sandbox UI at 1366×768: side by side, and per vendor the
                        homework's views (screenshots/<vendor>-<view>.png; needs Debian's chromium)
  -h, --help            show this help
`;

function progressPrinter() {
  let lastLoadLine = 0;
  return (event: CompareProgress) => {
    if (event.type === 'vendor-start') {
      process.stderr.write(`[${event.index + 1}/${event.total}] ${event.vendor}: starting services\n`);
    } else if (event.type === 'drift-check') {
      process.stderr.write(`[drift check] ${event.vendor} once more, to see how much this machine drifts\n`);
    } else if (event.type === 'load' && Date.now() - lastLoadLine > 2000) {
      lastLoadLine = Date.now();
      process.stderr.write(
        `    ${event.vendor}: ${event.done}/${event.total} requests, ${event.rps} req/s, ${event.errors} errors\n`,
      );
    } else if (event.type === 'vendor-done') {
      const m = event.metrics;
      // The baseline sends nothing: "errors 0/4" would read as a failure.
      const captured =
        m.errorsCaptured === null
          ? 'baseline (no telemetry)'
          : `delivered ${m.delivered}/${m.expected}, errors ${m.errorsCaptured}/${m.errorsInjected}, ` +
            `${m.bytesPerRequest} B/request`;
      process.stderr.write(
        `    ${event.vendor}: ${captured}, p50 ${m.latencyMsP50} ms (${(event.wallMs / 1000).toFixed(1)} s)\n`,
      );
    }
  };
}

/** `--release` (or BAKEOFF_RELEASE), checked here so a bad one fails before any service starts. */
function releaseFlag(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!RELEASE_PATTERN.test(value)) {
    throw new BakeoffError('BAKEOFF_ERR_USAGE', `--release ${RELEASE_RULE}, got "${value}"`);
  }
  return value;
}

export async function runCompareCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      vendors: { type: 'string' },
      requests: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string' },
      chaos: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      run: { type: 'string' },
      release: { type: 'string' },
      sandbox: { type: 'string' },
      screenshots: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const vendors = values.vendors ? parseAdapterList(values.vendors) : [...DEFAULT_VENDORS];
  const seed = integerFlag('seed', values.seed, 0) ?? 42;
  const result = await runCompare({
    vendors,
    requests: integerFlag('requests', values.requests, 1) ?? 200,
    seed,
    workload: values.scenario ?? 'mixed',
    chaos: values.chaos ?? 'compare',
    concurrency: integerFlag('concurrency', values.concurrency, 1) ?? 4,
    runId: values.run,
    release: releaseFlag(values.release ?? process.env.BAKEOFF_RELEASE),
    sandboxUrl: values.sandbox,
    // Kept until the screenshots and the export below are done.
    keepSandbox: true,
    onProgress: progressPrinter(),
  });
  const dir = path.resolve(values.out ?? path.join('reports', result.runId));
  mkdirSync(dir, { recursive: true });
  let screenshots: ScreenshotSet = NO_SCREENSHOTS;
  try {
    if (values.screenshots) {
      // The numbers are the report; a browser problem must not cost them.
      screenshots = await screenshotsFor(result, dir).catch((error: Error) => {
        process.stderr.write(`[compare] screenshots skipped: ${error.message.split('\n')[0]}\n`);
        return screenshots;
      });
    }
    // Everything the sandbox holds, so the run can be reopened later: `bakeoff sandbox` + POST /api/import.
    const exported = await fetch(`${result.sandboxUrl}/api/export`);
    if (exported.ok)
      writeFileSync(path.join(dir, 'sandbox.ndjson'), Buffer.from(await exported.arrayBuffer()));
  } finally {
    await result.closeSandbox?.();
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const command = `bakeoff compare ${argv.join(' ')}`.trim();
  const files = writeReport(dir, { result, command, machine, screenshots: allShots(screenshots) });
  writeFileSync(path.join(dir, 'writeup.md'), writeupMarkdown(result, screenshots));
  const stability = stabilityLine(result.latencyRanking).replace(/\*\*/g, '');
  process.stderr.write(
    `\nlatency: ${stability}\nwall time ${(result.wallMs / 1000).toFixed(1)} s\nreport: ${files.md}\n        ${files.html}\n        ${files.json}\nwrite-up: ${path.join(dir, 'writeup.md')}\n`,
  );
}

/** The side-by-side view of one request with injected latency, then the homework's views for every vendor. */
async function screenshotsFor(result: Awaited<ReturnType<typeof runCompare>>, dir: string) {
  return takeScreenshots(await planScreenshots(result, dir));
}
