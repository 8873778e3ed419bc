import { describe, expect, it } from 'vitest';
import { assertCompatible, createAdapters } from '../../adapters';
import { packageInfo } from '../../cli/package-info';
import { loadConfig, parseAdapterList } from '../../config/env';

describe('OBSERVABILITY', () => {
  it('parses a comma list, trimming and lower-casing', () => {
    expect(parseAdapterList(' XRay, rollbar ,')).toEqual(['xray', 'rollbar']);
    expect(parseAdapterList('')).toEqual(['none']);
    expect(parseAdapterList('none,sentry')).toEqual(['sentry']);
  });

  it('fails on unknown names with a coded error that lists the valid ones', () => {
    expect(() => parseAdapterList('xray,newrelic')).toThrow(
      expect.objectContaining({
        code: 'BAKEOFF_ERR_UNKNOWN_ADAPTER',
        message: expect.stringMatching(
          /"newrelic".*honeycomb, xray, sentry, rollbar, datadog, cloudwatch, otlp, xray-otel, none/,
        ),
      }),
    );
  });

  it('refuses combinations whose SDKs fight, saying how to compare them instead', () => {
    expect(() => assertCompatible(['honeycomb', 'datadog'])).toThrow(
      expect.objectContaining({
        code: 'BAKEOFF_ERR_ADAPTER_CONFLICT',
        message: expect.stringMatching(/bakeoff compare/),
      }),
    );
  });

  it('builds the none adapter without loading any vendor SDK', async () => {
    const [none] = await createAdapters(['none'], {
      serviceName: 'activities',
      sandboxUrl: 'http://x',
      env: {},
    });
    expect(none.name).toBe('none');
    expect(Object.keys(require.cache).some((k) => /node_modules\/(dd-trace|@sentry|aws-xray)/.test(k))).toBe(
      false,
    );
  });
});

describe('environment', () => {
  it('gives the offline demo defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      adapters: ['none'],
      port: 4567,
      usersPort: 4568,
      usersUrl: 'http://127.0.0.1:4568',
      chaos: 'off',
      chaosSeed: 1,
      adminToken: undefined,
      sandboxUrl: 'http://127.0.0.1:4400',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes the run release from BAKEOFF_RELEASE, else the package version, and refuses one a vendor would alter', () => {
    expect(loadConfig({}).release).toBe(packageInfo().version);
    expect(loadConfig({ BAKEOFF_RELEASE: '2026.11.30-rc_1' }).release).toBe('2026.11.30-rc_1');
    for (const bad of ['has space', 'a/b', '-leading', 'x'.repeat(41)]) {
      expect(() => loadConfig({ BAKEOFF_RELEASE: bad })).toThrow(/BAKEOFF_RELEASE: must be 1 to 40/);
    }
  });

  it('rejects bad values with the variable named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ BAKEOFF_SANDBOX: 'not a url' })).toThrow(/BAKEOFF_SANDBOX/);
  });
});
