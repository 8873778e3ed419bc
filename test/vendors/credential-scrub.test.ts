/**
 * The safety net: commands that start services against a sandbox (compare, bench, the demo, the adapter tests)
 * must never send their traffic to a real vendor account, whatever the caller's shell holds. The policy is
 * derived from the manifests, so these tests walk every manifest rather than a hand-kept list.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armEnv } from '../../harness/bench/servers';
import { sandboxEnv } from '../../harness/services';
import { ADAPTER_NAMES, VENDORS } from '../../vendors';
import { scrubVendorEnv, SCRUBBED_VENDOR_VARS } from '../../vendors/credential-scrub';
import { spawnCli } from '../helpers/cli';

/** Every variable a manifest marks as a credential or a real endpoint, with the vendor that declares it. */
const ROUTING_VARS = ADAPTER_NAMES.flatMap((name) =>
  Object.entries(VENDORS[name].env)
    .filter(([, spec]) => spec.credential || spec.endpoint)
    .map(([variable]) => ({ vendor: name, variable })),
);
/** Variables an SDK reads by itself that no manifest declares: scrubbed by prefix. */
const UNDECLARED_SDK_VARS = ['DD_SITE', 'OTEL_EXPORTER_OTLP_HEADERS', 'AWS_ENDPOINT_URL', 'SENTRY_RELEASE'];
const SANDBOX = {
  url: 'http://127.0.0.1:4400',
  xrayAddress: '127.0.0.1:2000',
  datadogUrl: 'http://127.0.0.1:8126',
};

const shellWithEverything = (): Record<string, string | undefined> =>
  Object.fromEntries(
    [...ROUTING_VARS.map((v) => v.variable), ...UNDECLARED_SDK_VARS].map((name) => [
      name,
      'real-account-value',
    ]),
  );

describe('one credential scrub, derived from the manifests', () => {
  it('covers every credential of every vendor manifest', () => {
    const credentials = ADAPTER_NAMES.flatMap((name) =>
      Object.entries(VENDORS[name].env)
        .filter(([, spec]) => spec.credential)
        .map(([variable]) => variable),
    );
    expect(credentials).toEqual(
      expect.arrayContaining(['HONEYCOMB_API_KEY', 'SENTRY_DSN', 'ROLLBAR_ACCESS_TOKEN', 'DD_API_KEY']),
    );
    expect(SCRUBBED_VENDOR_VARS).toEqual(expect.arrayContaining(credentials));
  });

  it.each(ROUTING_VARS)('compare and the adapter tests unset $variable ($vendor)', ({ variable }) => {
    const overrides = sandboxEnv(SANDBOX, { [variable]: 'real-account-value' });
    const child = { [variable]: 'real-account-value', ...overrides };
    // What the child sees: unset, or pointed at the sandbox, never the caller's value.
    expect(child[variable]).not.toBe('real-account-value');
  });

  it.each(ROUTING_VARS)('the demo drops $variable ($vendor)', ({ variable }) => {
    expect(scrubVendorEnv({ [variable]: 'real-account-value', PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });

  it('bench drops every routing variable and every vendor setting, and keeps the rest of the shell', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, shellWithEverything(), { SENTRY_TRACE_LIFECYCLE: 'static', KEEP_ME: 'yes' });
      const env = armEnv('sentry', { ...SANDBOX, port: 0 } as never, '/tmp/x');
      for (const { variable } of ROUTING_VARS)
        expect(env[variable] ?? 'unset').not.toBe('real-account-value');
      for (const variable of UNDECLARED_SDK_VARS) expect(env[variable]).toBeUndefined();
      expect(env.SENTRY_TRACE_LIFECYCLE).toBeUndefined();
      expect(env.KEEP_ME).toBe('yes');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('scrubs what an SDK reads by itself, and keeps the plain settings a user chose', () => {
    const shell = {
      ...shellWithEverything(),
      SENTRY_TRACE_LIFECYCLE: 'static',
      XRAY_SAMPLING: 'centralized',
    };
    const child: Record<string, string | undefined> = { ...shell, ...sandboxEnv(SANDBOX, shell) };
    for (const variable of UNDECLARED_SDK_VARS) expect(child[variable]).toBeUndefined();
    expect(child.SENTRY_TRACE_LIFECYCLE).toBe('static');
    expect(child.XRAY_SAMPLING).toBe('centralized');
    expect(child.DD_TRACE_AGENT_URL).toBe(SANDBOX.datadogUrl);
  });
});

/** A stand-in for every real vendor intake: counts whatever reaches it over HTTP or UDP. */
async function fakeRealVendor(): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg) => hits.push(`udp ${msg.toString().slice(0, 60)}`));
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  return {
    port,
    hits,
    close: () =>
      new Promise((resolve) => {
        udp.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a real vendor endpoint in the caller’s shell receives nothing', () => {
  let vendor: Awaited<ReturnType<typeof fakeRealVendor>>;
  beforeAll(async () => {
    vendor = await fakeRealVendor();
  });
  afterAll(async () => {
    await vendor?.close();
  });

  it('during `bakeoff compare` of every vendor whose real endpoint can be pointed at loopback', async () => {
    const real = `127.0.0.1:${vendor.port}`;
    const shell = {
      HONEYCOMB_API_KEY: 'hc-real-key',
      HONEYCOMB_API_ENDPOINT: `http://${real}`,
      SENTRY_DSN: `http://realkey@${real}/1`,
      DD_API_KEY: 'dd-real-key',
      DD_AGENT_HOST: '127.0.0.1',
      DD_TRACE_AGENT_PORT: String(vendor.port),
      AWS_ACCESS_KEY_ID: 'AKIAREALREALREAL',
      AWS_SECRET_ACCESS_KEY: 'real-secret',
      AWS_REGION: 'us-east-1',
      AWS_XRAY_DAEMON_ADDRESS: real,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: `http://${real}`,
      ROLLBAR_ACCESS_TOKEN: 'rollbar-real-token',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${real}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20otlp-real-token',
      AWS_ENDPOINT_URL_XRAY: `http://${real}`,
    };
    const out = mkdtempSync(path.join(tmpdir(), 'bakeoff-scrub-'));
    const compare = spawnCli(
      [
        'compare',
        '--vendors',
        'honeycomb,xray,sentry,rollbar,datadog,cloudwatch,otlp,xray-otel',
        '--requests',
        '6',
        '--concurrency',
        '2',
        '--out',
        out,
      ],
      shell,
    );
    const exit = await compare.exited;
    expect(exit.code, compare.output()).toBe(0);
    // The run really reported: every vendor delivered to the sandbox instead.
    expect(compare.output()).toMatch(/report/i);
    expect(vendor.hits).toEqual([]);
    // Eight vendors one after another, three services each: a limit for a hang, with room for a busy machine.
  }, 480_000);
});
