/**
 * `bakeoff serve`: with `--role`, one service in this process (vendor SDKs first, then the app); without it,
 * both services as child processes, optionally with the sandbox and demo traffic alongside.
 *
 * Nothing here imports `express`, `http` clients or a DB driver at the top: adapters must start first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assertCompatible, createAdapters } from '../adapters';
import { type Config, loadConfig, parseAdapterList } from '../config/env';
import { BakeoffError } from '../config/errors';
import { waitForHealthy } from './wait';

const HELP = `Usage: bakeoff serve [options]

Runs the activities service (:4567) and the users service (:4568), each in its own process.

Options:
  --role <activities|users>   run only this service, in this process
  --observability <list>      adapters, e.g. honeycomb,sentry (env OBSERVABILITY; default none)
  --port <n>                  activities port (env PORT; default 4567)
  --users-port <n>            users port (env USERS_PORT; default 4568)
  --host <addr>               bind address (env HOST; default 127.0.0.1)
  --chaos <name|path>         chaos scenario (env CHAOS; default off)
  --chaos-seed <n>            chaos seed (env CHAOS_SEED; default 1)
  --data-dir <dir>            embedded store location (env DATA_DIR; default ./data)
  --with-sandbox              also run the vendor sandbox (UI on http://127.0.0.1:4400)
  --with-load                 also send demo traffic to the activities service
  --demo                      the offline demo: sandbox + every vendor + traffic, chaos \`incident\` unless
                              --chaos/CHAOS says otherwise. dd-trace can't share a process with
                              OpenTelemetry, so datadog runs in a second pair on ports +10
  --quiet                     no per-request JSON log lines on stdout
  -h, --help                  show this help
`;

const FLAG_TO_ENV: Record<string, string> = {
  observability: 'OBSERVABILITY',
  port: 'PORT',
  'users-port': 'USERS_PORT',
  host: 'HOST',
  chaos: 'CHAOS',
  'chaos-seed': 'CHAOS_SEED',
  'data-dir': 'DATA_DIR',
};

const ROLES = ['activities', 'users'] as const;
type Role = (typeof ROLES)[number];

export async function runServeCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      observability: { type: 'string' },
      port: { type: 'string' },
      'users-port': { type: 'string' },
      host: { type: 'string' },
      chaos: { type: 'string' },
      'chaos-seed': { type: 'string' },
      'data-dir': { type: 'string' },
      'with-sandbox': { type: 'boolean', default: false },
      'with-load': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const env = { ...process.env };
  for (const [flag, name] of Object.entries(FLAG_TO_ENV)) {
    const value = values[flag as keyof typeof values];
    if (typeof value === 'string') env[name] = value;
  }
  if (values.role !== undefined) {
    if (!(ROLES as readonly string[]).includes(values.role)) {
      throw new BakeoffError('BAKEOFF_ERR_USAGE', `--role must be one of ${ROLES.join(', ')}`);
    }
    await runRole(values.role as Role, env, values.quiet);
    return;
  }
  await runBoth(env, {
    withSandbox: values['with-sandbox'],
    withLoad: values['with-load'],
    quiet: values.quiet,
    demo: values.demo,
  });
}

/** One service in this process: adapters start before the app (and so express) is loaded. */
async function runRole(role: Role, env: NodeJS.ProcessEnv, quiet: boolean): Promise<void> {
  const config = loadConfig(env);
  const adapters = await createAdapters(config.adapters, {
    serviceName: role,
    sandboxUrl: config.sandboxUrl,
    env,
  });
  for (const adapter of adapters) {
    await adapter.start();
    const { kind, endpoint } = adapter.destination;
    process.stderr.write(`[${role}] adapter ${adapter.name} → ${kind}: ${endpoint}\n`);
  }
  const { startService } = await import('../app/service');
  const service = await startService(role, config, adapters, { quiet });
  process.stderr.write(`[${role}] listening on ${service.url}\n`);
  const stop = async (signal: string) => {
    process.stderr.write(`[${role}] ${signal}: draining, flushing telemetry\n`);
    await service.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

interface BothOptions {
  withSandbox: boolean;
  withLoad: boolean;
  quiet: boolean;
  demo: boolean;
}

/** One pair of services with its own adapters, ports and data. */
interface ProcessGroup {
  observability: string;
  port: number;
  usersPort: number;
  dataDir: string;
}

/**
 * The demo's vendors: the largest set whose SDKs share one process, and a second pair of processes for
 * dd-trace, which breaks OpenTelemetry-based traces when they share one (see adapters/index.ts CONFLICTS).
 */
export const DEMO_GROUPS = ['honeycomb,xray,sentry,rollbar,cloudwatch', 'datadog'] as const;

function groupsFor(config: Config, demo: boolean): ProcessGroup[] {
  if (!demo) {
    return [
      {
        observability: config.adapters.join(','),
        port: config.port,
        usersPort: config.usersPort,
        dataDir: config.dataDir,
      },
    ];
  }
  return DEMO_GROUPS.map((observability, i) => ({
    observability,
    port: config.port + 10 * i,
    usersPort: config.usersPort + 10 * i,
    // Each pair keeps its own embedded store files.
    dataDir: i === 0 ? config.dataDir : path.join(config.dataDir, `pair-${i + 1}`),
  }));
}

/** Both services as child processes, so every trace crosses a real process boundary. */
async function runBoth(env: NodeJS.ProcessEnv, options: BothOptions): Promise<void> {
  // The demo injects the `incident` scenario unless told otherwise, so error trackers have something to show.
  if (options.demo && env.CHAOS === undefined) env.CHAOS = 'incident';
  const config = loadConfig(env); // validate once here, so a bad flag fails before anything starts
  const groups = groupsFor(config, options.demo);
  for (const group of groups) assertCompatible(parseAdapterList(group.observability));
  const stoppers: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(children.map(stopChild));
    for (const stop of stoppers.reverse()) await stop();
  };
  let stopping = false;
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    await stopAll();
    process.exit(0);
  };
  process.on('SIGTERM', () => void onSignal());
  process.on('SIGINT', () => void onSignal());

  if (options.withSandbox || options.demo) {
    const { startSandbox } = await import('../sandbox/server');
    const sandbox = await startSandbox({ host: '127.0.0.1' });
    stoppers.push(() => sandbox.close());
    process.stderr.write(`[sandbox] UI and API on ${sandbox.url}\n`);
  }
  const extra = options.quiet ? ['--quiet'] : [];
  for (const group of groups) {
    const groupEnv = {
      ...env,
      OBSERVABILITY: group.observability,
      PORT: String(group.port),
      USERS_PORT: String(group.usersPort),
      USERS_URL: `http://127.0.0.1:${group.usersPort}`,
      DATA_DIR: group.dataDir,
    };
    for (const role of ['users', 'activities'] as const) {
      const child = spawn(process.execPath, [process.argv[1], 'serve', '--role', role, ...extra], {
        env: groupEnv,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      child.once('exit', (code, signal) => {
        if (!stopping) {
          process.stderr.write(`[${role}] exited (${signal ?? code}); stopping\n`);
          void onSignal();
        }
      });
      const port = role === 'users' ? group.usersPort : group.port;
      await waitForHealthy(`http://127.0.0.1:${port}/api/health-check`, 30_000);
    }
    process.stderr.write(
      `bakeoff: activities API (${group.observability}) on http://127.0.0.1:${group.port}/api/activities/home\n`,
    );
  }
  if (options.withLoad || options.demo) {
    const { startDemoTraffic } = await import('../harness/demo-traffic');
    const { defaultRunId } = await import('../harness/load/runner');
    // One run id and the same seeded plan for every pair, so the side-by-side view lines them up by seq.
    const runId = defaultRunId('demo');
    for (const group of groups) {
      const traffic = startDemoTraffic(`http://127.0.0.1:${group.port}`, { runId });
      stoppers.unshift(() => traffic.stop());
    }
  }
  if (options.demo) {
    process.stderr.write(
      'bakeoff: open http://127.0.0.1:4400 to see every vendor side by side (Ctrl-C stops)\n',
    );
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
