/**
 * The ingest-module contract (sandbox/ingest/module.ts): the full sandbox, the drop-ack bench sandbox and
 * `bakeoff sandbox` are driven by the module list alone, every sandbox vendor has a module, and every HTTP
 * listener reads bodies through the one body reader (so bad encodings get the same 4xx everywhere).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_HELP } from '../../cli/sandbox';
import { type DropAckSandbox, startDropAckSandbox } from '../../sandbox/drop-ack';
import { INGEST_MODULES, OWN_PORTS } from '../../sandbox/ingest';
import { cloudwatchIngest } from '../../sandbox/ingest/cloudwatch';
import { datadogIngest } from '../../sandbox/ingest/datadog';
import { addressName, type IngestModule, portFlag, portOption } from '../../sandbox/ingest/module';
import { otlpIngest } from '../../sandbox/ingest/otlp';
import { rollbarIngest } from '../../sandbox/ingest/rollbar';
import { sentryIngest } from '../../sandbox/ingest/sentry';
import { sqsIngest } from '../../sandbox/ingest/sqs';
import { SANDBOX_VENDORS } from '../../sandbox/model';
import { DEFAULT_PORTS, type Sandbox, startSandbox } from '../../sandbox/server';

/** One request each HTTP module serves: a new module with HTTP listeners adds its row here. */
interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
}
const PROBES = new Map<IngestModule, Probe>([
  [sentryIngest, { method: 'POST', path: '/api/1/envelope/?sentry_key=k', headers: {} }],
  [rollbarIngest, { method: 'POST', path: '/api/1/item/', headers: { 'x-rollbar-access-token': 'k' } }],
  [
    cloudwatchIngest,
    {
      method: 'POST',
      path: '/',
      headers: {
        'x-amz-target': 'Logs_20140328.DescribeLogGroups',
        'content-type': 'application/x-amz-json-1.1',
      },
    },
  ],
  [
    sqsIngest,
    {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' },
    },
  ],
  [otlpIngest, { method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/json' } }],
  [datadogIngest, { method: 'PUT', path: '/v0.4/traces', headers: {} }],
]);

const modules: readonly IngestModule[] = INGEST_MODULES;
/** A module's name in test titles: its vendors, or its first banner label (SQS files under no vendor). */
const nameOf = (m: IngestModule) => m.vendors.join('/') || m.banner({ url: '' })[0][0];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const httpModules = modules.filter((m) => m.mainPort || m.ownPort?.kind === 'http');

let sandbox: Sandbox;
let dropAck: DropAckSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  dropAck = await startDropAckSandbox();
});
afterAll(async () => {
  await sandbox?.close();
  await dropAck?.close();
});

/** The base URLs a module's HTTP routes answer on in a sandbox: the main port and/or its own HTTP port. */
function urlsOf(module: IngestModule, running: Sandbox | DropAckSandbox): string[] {
  const addresses = running as unknown as Record<string, string>;
  const urls = module.mainPort ? [running.url] : [];
  if (module.ownPort?.kind === 'http') urls.push(addresses[addressName(module.ownPort)]);
  return urls;
}

describe('the ingest module list', () => {
  it('files every sandbox vendor through exactly one module', () => {
    const filed = modules.flatMap((m) => m.vendors);
    expect([...filed].sort()).toEqual([...SANDBOX_VENDORS].sort());
  });

  it('gives each own port its option, flag, default and address in both sandboxes and the CLI help', () => {
    expect(OWN_PORTS.map((p) => p.key)).toEqual(['otlp', 'datadog', 'xray']);
    for (const listener of OWN_PORTS) {
      expect(DEFAULT_PORTS[portOption(listener) as keyof typeof DEFAULT_PORTS]).toBe(listener.defaultPort);
      expect(SANDBOX_HELP).toMatch(
        new RegExp(
          `${portFlag(listener)} N\\s+${escape(listener.help)} \\(default ${listener.defaultPort}\\)`,
        ),
      );
      const name = addressName(listener);
      const shape = listener.kind === 'http' ? /^http:\/\/127\.0\.0\.1:[1-9]\d*$/ : /^127\.0\.0\.1:[1-9]\d*$/;
      expect((sandbox as unknown as Record<string, string>)[name]).toMatch(shape);
      expect((dropAck as unknown as Record<string, string>)[name]).toMatch(shape);
    }
    expect(DEFAULT_PORTS).toEqual({ port: 4400, otlpPort: 4318, datadogPort: 8126, xrayPort: 2000 });
  });

  it('has a probe for every module with HTTP routes', () => {
    expect(httpModules.filter((m) => !PROBES.has(m)).map(nameOf)).toEqual([]);
  });
});

describe.each(httpModules.map((m) => [nameOf(m), m] as const))('%s', (_name, module) => {
  const probe = () => PROBES.get(module)!;

  it('refuses an unknown Content-Encoding with 415 and a broken gzip body with 400, on every listener', async () => {
    for (const base of urlsOf(module, sandbox)) {
      const { method, path, headers } = probe();
      const unknown = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers, 'content-encoding': 'zstd' },
        body: '{}',
      });
      expect(unknown.status, `${base}${path}`).toBe(415);
      expect(await unknown.text()).toContain("unsupported Content-Encoding 'zstd'");
      const broken = await fetch(`${base}${path}`, {
        method,
        headers: { ...headers, 'content-encoding': 'gzip' },
        body: 'not gzip',
      });
      expect(broken.status, `${base}${path}`).toBe(400);
      expect(await broken.text()).toContain('cannot decode gzip body');
    }
  });

  it('is answered with a 2xx by the drop-ack sandbox and counted (under its vendors, if any)', async () => {
    for (const base of urlsOf(module, dropAck)) {
      dropAck.reset();
      const { method, path, headers } = probe();
      const res = await fetch(`${base}${path}`, { method, headers, body: '{}' });
      expect(res.status, `${base}${path}`).toBeLessThan(300);
      const counted = Object.keys(dropAck.counts());
      expect(counted).toHaveLength(1);
      expect(counted[0]).not.toBe('unmatched');
      if (module.vendors.length > 0) expect(module.vendors).toContain(counted[0]);
    }
  });
});
