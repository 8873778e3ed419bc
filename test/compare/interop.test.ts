/**
 * The compare report's "mixed services" check on the real SDKs: `xray` and `xray-otel` continue each other's
 * traces both ways; a pair with no common propagation header (`otlp` → `xray`) continues none, so the check can
 * tell the difference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInterop } from '../../harness/compare/interop';
import { sandboxEnv } from '../../harness/services';
import { type Sandbox, startSandbox } from '../../sandbox/server';

describe('checkInterop', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const check = (caller: 'xray' | 'xray-otel' | 'otlp', callee: 'xray' | 'xray-otel') =>
    checkInterop({
      caller,
      callee,
      env: { ...sandboxEnv(sandbox), OTEL_BSP_SCHEDULE_DELAY: '200' },
      sandboxUrl: sandbox.url,
      runId: `interop-${caller}-${callee}-${process.pid}`,
      requests: 3,
    });

  it('xray → xray-otel: every request continues through X-Amzn-Trace-Id', async () => {
    expect(await check('xray', 'xray-otel')).toEqual({
      caller: 'xray',
      callee: 'xray-otel',
      requests: 3,
      continued: 3,
    });
  }, 60_000);

  it('xray-otel → xray: every request continues through X-Amzn-Trace-Id', async () => {
    expect(await check('xray-otel', 'xray')).toMatchObject({ requests: 3, continued: 3 });
  }, 60_000);

  it('otlp → xray: no shared header, so no request continues', async () => {
    expect(await check('otlp', 'xray')).toMatchObject({ requests: 3, continued: 0 });
  }, 60_000);
});
