/**
 * `bakeoff sandbox`: runs the vendor sandbox in the foreground until SIGINT/SIGTERM.
 * cli/bakeoff.ts dispatches here; errors are BakeoffErrors with stable codes for it to print.
 */
import { parseArgs } from 'node:util';
import { BakeoffError } from '../config/errors';
import { integerFlag } from './args';
import { INGEST_MODULES, OWN_PORTS } from '../sandbox/ingest';
import { addressName, type IngestModule, portFlag, portOption } from '../sandbox/ingest/module';
import { DEFAULT_PORTS, type Sandbox, type SandboxOptions, startSandbox } from '../sandbox/server';
import { DEFAULT_CAPS, type SandboxCaps } from '../sandbox/store';

export const SANDBOX_HELP = `Usage: bakeoff sandbox [options]

Runs the local vendor sandbox: it speaks each vendor's real ingest protocol and shows what arrived.

Options:
  --host HOST           interface to bind (default 127.0.0.1; 0.0.0.0 to reach it from elsewhere)
  --allow-host NAME     also answer requests addressed to NAME (repeatable or comma-separated), e.g. a
                        compose service name; loopback names and IP addresses are always answered
  --port N              UI, JSON API, Sentry/Rollbar/CloudWatch/OTLP ingest (default ${DEFAULT_PORTS.port})
${OWN_PORTS.map((p) => `  ${`${portFlag(p)} N`.padEnd(22)}${p.help} (default ${p.defaultPort})\n`).join('')}                        (every port: 0 picks a free one)
  --data DIR            keep everything in DIR/sandbox.ndjson (SQS queues in DIR/sqs.ndjson) and reload it
                        at start (default: memory only)
  --max-spans N         spans kept in memory (default ${DEFAULT_CAPS.maxSpans}); oldest evicted first
  --max-errors N        error events kept (default ${DEFAULT_CAPS.maxErrors})
  --max-logs N          log lines kept (default ${DEFAULT_CAPS.maxLogs})
  --max-payloads N      payload accounting records kept (default ${DEFAULT_CAPS.maxPayloads})
  --max-bytes N         byte budget for spans, errors and logs together (default ${DEFAULT_CAPS.maxBytes});
                        oldest evicted first
  --max-value-bytes N   longest string value kept (default ${DEFAULT_CAPS.maxValueBytes}); longer ones are
                        truncated with a marker giving their original size
  -h, --help            show this help
`;

const usage = (message: string) => new BakeoffError('BAKEOFF_ERR_USAGE', `${message}\n\n${SANDBOX_HELP}`);

/** A whole-number option; a bad value's message comes with this command's help. */
function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  try {
    return integerFlag(name, raw, min, max);
  } catch (error) {
    throw usage((error as Error).message);
  }
}

/** Resolves on the first of `signals`, then removes its handlers so a second Ctrl-C exits at once. */
function firstSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, handler);
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
  });
}

export interface SandboxCommandIo {
  out?: (line: string) => void;
  /** Resolves when the process should stop; default: the first SIGINT or SIGTERM. */
  stopSignal?: Promise<unknown>;
}

/** Parses argv, starts the sandbox, prints where everything listens, and closes cleanly on a signal. */
export async function runSandboxCommand(argv: string[], io: SandboxCommandIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        port: { type: 'string' },
        ...Object.fromEntries(OWN_PORTS.map((p) => [portFlag(p).slice(2), { type: 'string' as const }])),
        data: { type: 'string' },
        'max-spans': { type: 'string' },
        'max-errors': { type: 'string' },
        'max-logs': { type: 'string' },
        'max-payloads': { type: 'string' },
        'max-bytes': { type: 'string' },
        'max-value-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (values.help) {
    out(SANDBOX_HELP);
    return;
  }
  const str = (k: string) => values[k] as string | undefined;
  const port = (k: string) => intOption(k, str(k), 0, 65535);
  const cap = (k: string) => intOption(k, str(k), 1, 100_000_000);
  const caps: Partial<SandboxCaps> = {};
  const maxSpans = cap('max-spans');
  const maxErrors = cap('max-errors');
  const maxLogs = cap('max-logs');
  const maxPayloads = cap('max-payloads');
  if (maxSpans !== undefined) caps.maxSpans = maxSpans;
  if (maxErrors !== undefined) caps.maxErrors = maxErrors;
  if (maxLogs !== undefined) caps.maxLogs = maxLogs;
  if (maxPayloads !== undefined) caps.maxPayloads = maxPayloads;
  const maxBytes = intOption('max-bytes', str('max-bytes'), 1024 * 1024, 2 ** 40);
  const maxValueBytes = intOption('max-value-bytes', str('max-value-bytes'), 256, 2 ** 30);
  if (maxBytes !== undefined) caps.maxBytes = maxBytes;
  if (maxValueBytes !== undefined) caps.maxValueBytes = maxValueBytes;
  const allowedHosts = ((values['allow-host'] as string[] | undefined) ?? [])
    .flatMap((v) => v.split(','))
    .map((h) => h.trim())
    .filter(Boolean);

  const ownPorts = Object.fromEntries(OWN_PORTS.map((p) => [portOption(p), port(portFlag(p).slice(2))]));
  const sandbox: Sandbox = await startSandbox({
    host: str('host'),
    port: port('port'),
    ...(ownPorts as SandboxOptions),
    dataDir: str('data'),
    caps,
    allowedHosts,
  });

  out(`bakeoff sandbox`);
  out(`  UI + JSON API     ${sandbox.url}`);
  const addresses = sandbox as unknown as Record<string, string>;
  for (const module of INGEST_MODULES as readonly IngestModule[]) {
    const own = module.ownPort ? addresses[addressName(module.ownPort)] : undefined;
    for (const [label, where] of module.banner({ url: sandbox.url, own }))
      out(`  ${label.padEnd(18)}${where}`);
  }
  if (str('data')) {
    const { lines, skipped } = sandbox.replayed;
    out(
      `  data              ${str('data')} (replayed ${lines} lines${skipped ? `, skipped ${skipped} unreadable` : ''})`,
    );
  }

  await (io.stopSignal ?? firstSignal(['SIGINT', 'SIGTERM']));
  await sandbox.close();
  out('sandbox closed');
}
