#!/usr/bin/env node
/**
 * `bakeoff <command>`: the one entry point. Commands are loaded lazily so that `serve` can start the vendor
 * SDKs before anything else requires `http` or `express`, and so that the Node version guard runs before
 * any dependency that could fail on an older Node is loaded.
 */
import { refuseUnsupportedNode } from './node-version';
import { ADAPTER_NAMES } from '../adapters/types';
import { BakeoffError } from '../config/errors';
import { packageInfo } from './package-info';

refuseUnsupportedNode();

const VENDORS = ADAPTER_NAMES.filter((name) => name !== 'none');

type Command = { summary: string; run: (argv: string[]) => Promise<void> };

const COMMANDS: Record<string, Command> = {
  serve: {
    summary:
      'run the activities, users and notifications services (+ --with-sandbox, --with-load for the demo)',
    run: async (argv) => (await import('./serve')).runServeCommand(argv),
  },
  queue: {
    summary: 'create, inspect or delete the notifications SQS queue and its DLQ (teardown for real SQS)',
    run: async (argv) => (await import('./queue')).runQueueCommand(argv),
  },
  sandbox: {
    summary: 'run the local vendor sandbox (every vendor’s ingest protocol + UI on :4400)',
    run: async (argv) => (await import('./sandbox')).runSandboxCommand(argv),
  },
  load: {
    summary:
      'send seeded traffic to the activities API (every request carries x-bakeoff-run / x-bakeoff-seq)',
    run: async (argv) => (await import('./load')).runLoadCommand(argv),
  },
  compare: {
    summary: 'run the same seeded workload under each vendor and write the report card',
    run: async (argv) => (await import('./compare')).runCompareCommand(argv),
  },
  bench: {
    summary: 'measure what each vendor adapter costs the service (req/s, latency, CPU, RSS, bytes)',
    run: async (argv) => {
      await (await import('./bench')).runBenchCommand(argv);
    },
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'Usage: bakeoff <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    `Vendors: ${VENDORS.join(', ')}; \`none\` is the no-telemetry baseline.`,
    'Choose with OBSERVABILITY=a,b,… (serve) or --vendors a,b,… (compare); `serve --demo` runs them all.',
    '',
    "Run `bakeoff <command> --help` for a command's options, `bakeoff --version` for the version.",
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${packageInfo().version}\n`);
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`bakeoff: unknown command "${name}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await command.run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // util.parseArgs rejects unknown or malformed options with ERR_PARSE_ARGS_*: that is a usage error too.
  const parseError = String((error as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS');
  if (error instanceof BakeoffError || parseError) {
    const code = parseError ? 'BAKEOFF_ERR_USAGE' : (error as BakeoffError).code;
    process.stderr.write(`bakeoff: ${code}: ${(error as Error).message}\n`);
    process.exit(code === 'BAKEOFF_ERR_USAGE' ? 2 : 1);
  }
  process.stderr.write(`bakeoff: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
