#!/usr/bin/env node
/**
 * `bakeoff <command>`: the one entry point. Commands are loaded lazily so that `serve` can start the vendor
 * SDKs before anything else requires `http` or `express`.
 */
import { BakeoffError } from '../config/errors';

type Command = { summary: string; run: (argv: string[]) => Promise<void> };

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'run the activities and users services (+ --with-sandbox, --with-load for the demo)',
    run: async (argv) => (await import('./serve')).runServeCommand(argv),
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
  return `Usage: bakeoff <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`bakeoff <command> --help\` for a command's options.\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
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
  if (error instanceof BakeoffError) {
    process.stderr.write(`bakeoff: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`bakeoff: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
