/**
 * `bakeoff serve`: with `--role`, one service in this process (vendor SDKs first, then the app); without it,
 * both services as child processes, optionally with the sandbox and demo traffic alongside.
 *
 * Nothing here imports `express`, `http` clients or a DB driver at the top: adapters must start first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAdapters } from '../adapters';
import { SANDBOX_AGENT_VARS } from '../adapters/sandbox-agents';
import { checkSdkVersions } from '../adapters/sdk-version';
import { loadScenario } from '../app/chaos/scenario';
import { queueDestination } from '../app/notifications/destination';
import { generateServiceToken, resolveServiceToken } from '../app/service-token';
import { type Config, loadConfig, parseAdapterList, SANDBOX_QUEUE_VAR } from '../config/env';
import { BakeoffError } from '../config/errors';
import { VENDOR_NAMES } from '../vendors';
import { isVendorRoutingVar, scrubVendorEnv } from '../vendors/credential-scrub';
import { processGroups } from '../vendors/process-groups';
import { type OwnPort, portOption } from '../sandbox/ingest/module';
import type { Sandbox, SandboxOptions } from '../sandbox/server';
import { startStatusLine } from './demo-status';
import { deliverStopReport, isStopReport, type StopReport, stopSummary, trackFlushes } from './stop-report';
import { waitForHealthy } from './wait';

const HELP = `Usage: bakeoff serve [options]

Runs the activities service (:4567), the users service (:4568) and the notifications worker (:4569), each
in its own process. The worker long-polls the notifications queue: the sandbox's SQS (BAKEOFF_SANDBOX) offline,
real SQS when AWS_REGION is set.

Options:
  --role <activities|users|notifications>
                              run only this service, in this process
  --observability <list>      adapters, e.g. honeycomb,sentry (env OBSERVABILITY; default none)
  --port <n>                  activities port (env PORT; default 4567)
  --users-port <n>            users port (env USERS_PORT; default 4568)
  --notifications-port <n>    notifications worker port (env NOTIFICATIONS_PORT; default 4569)
  --host <addr>               bind address (env HOST; default 127.0.0.1)
  --chaos <name|path>         chaos scenario (env CHAOS; default off)
  --chaos-seed <n>            chaos seed (env CHAOS_SEED; default 1)
  --data-dir <dir>            embedded store location (env DATA_DIR; default ./data)
  --with-sandbox              also run the vendor sandbox (UI on http://127.0.0.1:4400, or on the port of
                              BAKEOFF_SANDBOX); it plays the X-Ray daemon (:2000) and the Datadog Agent (:8126)
                              and takes OTLP/HTTP on :4318 (SANDBOX_XRAY_PORT, SANDBOX_DATADOG_PORT and
                              SANDBOX_OTLP_PORT move those; 0 picks a free one); the services send to it
  --with-load                 also send demo traffic to the activities service
  --demo                      the offline demo: sandbox + every vendor + traffic, chaos \`incident\` unless
                              --chaos/CHAOS says otherwise. Vendors whose SDKs conflict (datadog,
                              otlp, xray-otel) run in pairs of their own on ports +10, +20, +30
  --verbose                   with --demo or --with-load, also print every request's JSON log line (by
                              default those print one status line every 5 s; the request log is always in
                              the sandbox's CloudWatch view)
  --quiet                     no per-request JSON log lines on stdout
  -h, --help                  show this help
`;

const FLAG_TO_ENV: Record<string, string> = {
  observability: 'OBSERVABILITY',
  port: 'PORT',
  'users-port': 'USERS_PORT',
  'notifications-port': 'NOTIFICATIONS_PORT',
  host: 'HOST',
  chaos: 'CHAOS',
  'chaos-seed': 'CHAOS_SEED',
  'data-dir': 'DATA_DIR',
};

const ROLES = ['activities', 'users', 'notifications'] as const;
type Role = (typeof ROLES)[number];

export async function runServeCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      observability: { type: 'string' },
      port: { type: 'string' },
      'users-port': { type: 'string' },
      'notifications-port': { type: 'string' },
      host: { type: 'string' },
      chaos: { type: 'string' },
      'chaos-seed': { type: 'string' },
      'data-dir': { type: 'string' },
      'with-sandbox': { type: 'boolean', default: false },
      'with-load': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
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
    verbose: values.verbose,
    demo: values.demo,
  });
}

/**
 * The configuration, with everything a service would only reject once started (the chaos scenario) checked
 * too, so a bad setting exits non-zero here, before any process serves.
 */
function validatedConfig(env: NodeJS.ProcessEnv): Readonly<Config> {
  const config = loadConfig(env);
  loadScenario(config.chaos, config.chaosDir);
  return config;
}

/** One service in this process: adapters start before the app (and so express) is loaded. */
async function runRole(role: Role, env: NodeJS.ProcessEnv, quiet: boolean): Promise<void> {
  const config = validatedConfig(env);
  for (const warning of checkSdkVersions(config.adapters)) process.stderr.write(`[${role}] ${warning}\n`);
  const adapters = await createAdapters(config.adapters, {
    serviceName: role,
    sandboxUrl: config.sandboxUrl,
    release: config.release,
    env,
  });
  const flushed = trackFlushes(adapters);
  for (const adapter of adapters) {
    await adapter.start();
    const { kind, endpoint } = adapter.destination;
    process.stderr.write(`[${role}] adapter ${adapter.name} → ${kind}: ${endpoint}\n`);
  }
  if (role === 'notifications' || (role === 'activities' && config.queue.enabled))
    process.stderr.write(`[${role}] notifications → ${queueDestination(config.queue, config.sandboxUrl)}\n`);
  const token = resolveServiceToken(config);
  if (token.origin !== 'SERVICE_TOKEN')
    process.stderr.write(`[${role}] service token: ${token.origin} (set SERVICE_TOKEN to fix one)\n`);
  const { startService } = await import('../app/service');
  const service = await startService(role, { ...config, serviceToken: token.value }, adapters, { quiet });
  let stopping = false;
  const stop = async () => {
    // Ctrl-C reaches every process in the terminal's group, and `bakeoff serve` then sends SIGTERM as well:
    // one stop, whatever arrives after.
    if (stopping) return;
    stopping = true;
    await service.close();
    await deliverStopReport({
      kind: 'bakeoff-stopped',
      role,
      port: service.port,
      flushed: adapters.filter((a) => flushed.has(a.name)).map((a) => a.name),
      notFlushed: adapters.filter((a) => !flushed.has(a.name)).map((a) => a.name),
    });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // Started by `bakeoff serve`, which went away without stopping us (killed): stop rather than linger.
  process.on('disconnect', () => void stop());
  // Announced only now that a signal is handled: whoever waits for this line may stop us at once.
  process.stderr.write(`[${role}] listening on ${service.url}\n`);
}

interface BothOptions {
  withSandbox: boolean;
  withLoad: boolean;
  quiet: boolean;
  verbose: boolean;
  demo: boolean;
}

/** One set of services (activities, users, notifications) with its own adapters, ports, data and queue. */
interface ProcessGroup {
  observability: string;
  port: number;
  usersPort: number;
  notificationsPort: number;
  dataDir: string;
  /** `NOTIFICATIONS_QUEUE`: each group's worker consumes its own group's messages. */
  queue: string | undefined;
}

/**
 * The demo's vendors, grouped by the manifests' conflicts: the largest set whose SDKs share one process, and
 * another pair of processes for each vendor that can't join it (dd-trace breaks OpenTelemetry-based traces).
 */
export const DEMO_GROUPS: readonly string[] = processGroups(VENDOR_NAMES).map((group) => group.join(','));

function groupsFor(config: Config, demo: boolean): ProcessGroup[] {
  if (!demo) {
    return [
      {
        observability: config.adapters.join(','),
        port: config.port,
        usersPort: config.usersPort,
        notificationsPort: config.notificationsPort,
        dataDir: config.dataDir,
        queue: undefined,
      },
    ];
  }
  return DEMO_GROUPS.map((observability, i) => ({
    observability,
    port: config.port + 10 * i,
    usersPort: config.usersPort + 10 * i,
    notificationsPort: config.notificationsPort + 10 * i,
    queue: i === 0 ? undefined : `${config.queue.name}-${i + 1}`,
    // Each pair keeps its own embedded store files.
    dataDir: i === 0 ? config.dataDir : path.join(config.dataDir, `pair-${i + 1}`),
  }));
}

/** Both services as child processes, so every trace crosses a real process boundary. */
async function runBoth(env: NodeJS.ProcessEnv, options: BothOptions): Promise<void> {
  if (options.demo) {
    // The demo is offline: credentials in the caller's shell must not send its traffic to a real account.
    const scrubbed = Object.keys(env).filter(isVendorRoutingVar);
    if (scrubbed.length > 0) {
      process.stderr.write(
        `bakeoff: demo: ignoring ${scrubbed.join(', ')} (the demo sends only to the sandbox)\n`,
      );
      env = scrubVendorEnv(env);
    }
    // The demo injects the `incident` scenario unless told otherwise, so error trackers have something to show.
    if (env.CHAOS === undefined) env.CHAOS = 'incident';
  }
  const config = validatedConfig(env);
  const withSandbox = options.withSandbox || options.demo;
  const sandboxPorts = withSandbox ? sandboxOwnPorts(env, (await import('../sandbox/ingest')).OWN_PORTS) : {};
  // One token per start, handed to both roles of every pair below: never a well-known default.
  if (!env.SERVICE_TOKEN) {
    env.SERVICE_TOKEN = generateServiceToken();
    process.stderr.write('bakeoff: service token: generated for this run (set SERVICE_TOKEN to fix one)\n');
  }
  const groups = groupsFor(config, options.demo);
  // Build (not start: no SDK is loaded) every service's adapters, so a conflict or a bad vendor setting fails
  // here as well, before anything serves.
  for (const group of groups) {
    const names = parseAdapterList(group.observability);
    for (const serviceName of ROLES)
      await createAdapters(names, { serviceName, sandboxUrl: config.sandboxUrl, env });
  }
  const withTraffic = options.withLoad || options.demo;
  // With traffic running, a JSON line per request would scroll everything else away: a status line instead.
  const quiet = options.quiet || (withTraffic && !options.verbose);

  let sandbox: Sandbox | undefined;
  const children: Supervised[] = [];
  const reports: StopReport[] = [];
  const traffic: Array<{ stop(): Promise<void> }> = [];
  let status: { stop(): void } | undefined;
  let stopping = false;
  /** Traffic first, then the services (which flush into the sandbox), then the sandbox; one closing line. */
  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    status?.stop();
    // allSettled: one step failing (a traffic run cut off mid-request) must not skip the others, nor turn a
    // clean stop into an unhandled rejection and exit code 1.
    await Promise.allSettled(traffic.map((t) => t.stop()));
    await Promise.allSettled(children.map(stopChild));
    await sandbox?.close().catch(() => undefined);
    const silent = children.filter((c) => !reports.some((r) => r.port === c.port)).map((c) => c.label);
    const others = { before: traffic.length > 0 ? ['demo traffic'] : [], after: sandbox ? ['sandbox'] : [] };
    process.stderr.write(`${stopSummary(reports, others, silent)}\n`);
    process.exit(exitCode);
  };
  const onSignal = (signal: string) => {
    if (!stopping)
      process.stderr.write(`bakeoff: ${signal}: stopping, draining requests and flushing vendors…\n`);
    void stopAll(0);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  if (withSandbox) {
    const { startSandbox } = await import('../sandbox/server');
    // On BAKEOFF_SANDBOX's port, where the services send (default 4400).
    sandbox = await startSandbox({
      host: '127.0.0.1',
      port: Number(new URL(config.sandboxUrl).port) || 4400,
      ...sandboxPorts,
    });
    process.stderr.write(`[sandbox] UI and API on ${sandbox.url}\n`);
    // The services send to this sandbox's agents, wherever they listen, unless the shell names an agent of its
    // own (the demo has scrubbed those). On the default ports this is where they would send anyway.
    if (!env.AWS_XRAY_DAEMON_ADDRESS) env.AWS_XRAY_DAEMON_ADDRESS = sandbox.xrayAddress;
    if (!env.DD_TRACE_AGENT_URL && !env.DD_AGENT_HOST) env.DD_TRACE_AGENT_URL = sandbox.datadogUrl;
    // The sandbox now holds the X-Ray daemon's and the Datadog Agent's ports: the services' start-up lines
    // name it rather than AWS or Datadog when their SDKs send there (adapters/sandbox-agents.ts).
    env[SANDBOX_AGENT_VARS.xray] = sandbox.xrayAddress;
    env[SANDBOX_AGENT_VARS.datadog] = sandbox.datadogUrl;
    env[SANDBOX_QUEUE_VAR] = '1';
  } else {
    for (const name of [...Object.values(SANDBOX_AGENT_VARS), SANDBOX_QUEUE_VAR]) delete env[name];
  }
  const extra = quiet ? ['--quiet'] : [];
  for (const group of groups) {
    const groupEnv = {
      ...env,
      OBSERVABILITY: group.observability,
      PORT: String(group.port),
      USERS_PORT: String(group.usersPort),
      USERS_URL: `http://127.0.0.1:${group.usersPort}`,
      NOTIFICATIONS_PORT: String(group.notificationsPort),
      NOTIFICATIONS_URL: `http://127.0.0.1:${group.notificationsPort}`,
      DATA_DIR: group.dataDir,
      ...(group.queue ? { NOTIFICATIONS_QUEUE: group.queue } : {}),
    };
    for (const role of ['users', 'activities', 'notifications'] as const) {
      if (stopping) return; // a signal, or a service that failed, while the others were starting
      const port = { users: group.usersPort, activities: group.port, notifications: group.notificationsPort }[
        role
      ];
      // The IPC channel carries the child's stop report (what it flushed) back for the closing line.
      const child = spawn(process.execPath, [process.argv[1], 'serve', '--role', role, ...extra], {
        env: groupEnv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const label = `${role} :${port}`;
      children.push(supervise(child, label, port));
      child.on('message', (message) => {
        if (isStopReport(message)) reports.push(message);
      });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        // A service that stopped cleanly on its own (someone signalled it) is no failure; anything else is.
        const failed = code !== 0;
        if (failed) process.stderr.write(`[${label}] exited (${signal ?? code}); stopping\n`);
        void stopAll(failed ? 1 : 0);
      });
      // Without a queue to reach (no sandbox running, no AWS region) the worker answers 503 and keeps retrying:
      // the other services still serve, so here "up" is enough for it.
      const worker = role === 'notifications' && !sandbox && !config.queue.awsRegion;
      await waitForHealthy(`http://127.0.0.1:${port}/api/health-check`, 30_000, { acceptDegraded: worker });
    }
    process.stderr.write(
      `bakeoff: activities API (${group.observability}) on http://127.0.0.1:${group.port}/api/activities/home\n`,
    );
  }
  if (stopping) return;
  if (withTraffic) {
    const { startDemoTraffic } = await import('../harness/demo-traffic');
    const { defaultRunId } = await import('../harness/load/runner');
    const store = sandbox?.store;
    const line = startStatusLine({
      vendors: groups.flatMap((g) => parseAdapterList(g.observability)).filter((name) => name !== 'none'),
      deliveries: store && (() => store.vendors()),
    });
    status = line; // stopped first on the way out
    // One run id and the same seeded plan for every pair, so the side-by-side view lines them up by seq.
    const runId = defaultRunId('demo');
    groups.forEach((group, i) => {
      traffic.push(
        startDemoTraffic(`http://127.0.0.1:${group.port}`, {
          runId,
          reportEverySeconds: 1,
          onProgress: line.record(i),
        }),
      );
    });
  }
  if (options.demo) {
    process.stderr.write(`bakeoff: open ${sandbox?.url} to see every vendor side by side (Ctrl-C stops)\n`);
  }
}

/** `SANDBOX_XRAY_PORT` for the sandbox's `--xray-port`: where `serve`'s own sandbox binds that listener. */
function sandboxPortVar(port: OwnPort): string {
  return `SANDBOX_${port.key.toUpperCase()}_PORT`;
}

/** The sandbox's own listeners' ports from the environment (tests run the demo beside other tests with 0). */
function sandboxOwnPorts(env: NodeJS.ProcessEnv, ownPorts: readonly OwnPort[]): Partial<SandboxOptions> {
  const ports: Record<string, number> = {};
  for (const port of ownPorts) {
    const name = sandboxPortVar(port);
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value > 65535)
      throw new BakeoffError(
        'BAKEOFF_ERR_INVALID_ENV',
        `${name} must be an integer from 0 to 65535 (got "${raw}")`,
      );
    ports[portOption(port)] = value;
  }
  return ports;
}

interface Supervised {
  child: ChildProcess;
  label: string;
  port: number;
  /** 'close' comes after the IPC channel is drained, so the child's stop report has arrived by then. */
  closed: Promise<void>;
}

function supervise(child: ChildProcess, label: string, port: number): Supervised {
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, label, port, closed };
}

function stopChild({ child, closed }: Supervised): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return closed;
}
