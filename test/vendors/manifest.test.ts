/** The vendor manifests are the one list of vendors: what derives from them must agree with them. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSdkVersions, installedVersion, satisfiesCaret } from '../../adapters/sdk-version';
import { DEMO_GROUPS } from '../../cli/serve';
import { ENV_VARS } from '../../config/env';
import {
  ADAPTER_NAMES,
  ADAPTER_SIGNALS,
  CONFLICTS,
  conflictBetween,
  VENDOR_NAMES,
  VENDORS,
} from '../../vendors';
import { processGroups } from '../../vendors/process-groups';

const root = path.resolve(__dirname, '../..');

describe('vendor manifests', () => {
  it.each(ADAPTER_NAMES)('%s: its name, docs page and sandbox ingest are real', (name) => {
    const manifest = VENDORS[name];
    expect(manifest.name).toBe(name);
    expect(manifest.label.length).toBeGreaterThan(0);
    if (manifest.docs) expect(existsSync(path.join(root, manifest.docs))).toBe(true);
    if (manifest.sandboxIngest)
      expect(existsSync(path.join(root, 'sandbox/ingest', `${manifest.sandboxIngest}.ts`))).toBe(true);
    expect(manifest.sdk === null).toBe(name === 'none');
    expect(ADAPTER_SIGNALS[name]).toEqual(manifest.signals);
  });

  it('every variable a manifest declares is in the config’s variable list', () => {
    const declared = ADAPTER_NAMES.flatMap((name) => Object.keys(VENDORS[name].env));
    expect(ENV_VARS).toEqual(expect.arrayContaining(declared));
  });

  it('the installed SDKs are inside every manifest’s range', () => {
    expect(checkSdkVersions(ADAPTER_NAMES)).toEqual([]);
    for (const name of VENDOR_NAMES)
      expect(installedVersion(VENDORS[name].sdk!.package)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('warns, with a stable code, when an SDK is outside its range', () => {
    expect(satisfiesCaret('6.21.0', '^6.21.0')).toBe(true);
    expect(satisfiesCaret('6.30.1', '^6.21.0')).toBe(true);
    expect(satisfiesCaret('6.20.9', '^6.21.0')).toBe(false);
    expect(satisfiesCaret('7.0.0', '^6.21.0')).toBe(false);
    // 0.x: the minor is the breaking part, as npm's caret says.
    expect(satisfiesCaret('0.301.4', '^0.301.0')).toBe(true);
    expect(satisfiesCaret('0.302.0', '^0.301.0')).toBe(false);
    expect(() => satisfiesCaret('1.0.0', '>=1')).toThrow(/\^major\.minor\.patch/);
    expect(installedVersion('no-such-package-bakeoff')).toBeUndefined();
  });
});

describe('derived from the manifests', () => {
  it('conflicts are the manifests’ (dd-trace and OpenTelemetry, two OTel SDKs, two X-Ray headers), either way round', () => {
    expect(CONFLICTS.map((c) => c.pair)).toEqual([
      ['datadog', 'honeycomb'],
      ['otlp', 'honeycomb'],
      ['otlp', 'datadog'],
      ['xray-otel', 'honeycomb'],
      ['xray-otel', 'otlp'],
      ['xray-otel', 'xray'],
      ['xray-otel', 'datadog'],
    ]);
    expect(conflictBetween('xray', 'xray-otel')).toMatch(/X-Amzn-Trace-Id/);
    expect(conflictBetween('honeycomb', 'datadog')).toMatch(/traceparent/);
    expect(conflictBetween('honeycomb', 'sentry')).toBeUndefined();
  });

  it('the demo runs every vendor exactly once, in as few process groups as the conflicts allow', () => {
    const groups = DEMO_GROUPS.map((group) => group.split(','));
    expect(groups.flat().sort()).toEqual([...VENDOR_NAMES].sort());
    for (const group of groups)
      for (const a of group)
        for (const b of group) expect(conflictBetween(a as never, b as never)).toBeUndefined();
    expect(DEMO_GROUPS).toEqual(['honeycomb,xray,sentry,rollbar,cloudwatch', 'datadog', 'otlp', 'xray-otel']);
  });

  it('a vendor that conflicts with nothing joins the first group', () => {
    expect(processGroups(['honeycomb', 'datadog', 'sentry'])).toEqual([['honeycomb', 'sentry'], ['datadog']]);
  });
});

describe('the sandbox names vendors as the manifests do', () => {
  it('serves every sandbox vendor’s label and signals at /api/vendor-manifest, in manifest order', async () => {
    const { startSandbox } = await import('../../sandbox/server');
    const sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
    try {
      const res = await fetch(`${sandbox.url}/api/vendor-manifest`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Array<{ vendor: string; label: string; signals: string[] }>;
      expect(body.map((v) => v.vendor)).toEqual([
        'honeycomb',
        'xray',
        'sentry',
        'rollbar',
        'datadog',
        'cloudwatch',
        'otlp',
        'xray-otel',
      ]);
      for (const name of VENDOR_NAMES) {
        expect(body.find((v) => v.vendor === name)).toMatchObject({
          label: VENDORS[name].label,
          signals: [...VENDORS[name].signals],
        });
      }
    } finally {
      await sandbox.close();
    }
  });
});
