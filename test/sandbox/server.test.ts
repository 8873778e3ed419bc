import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runSandboxCommand } from '../../cli/sandbox';
import { type Sandbox, startSandbox } from '../../sandbox/server';

const ephemeral = { port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function holdPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

describe('startSandbox', () => {
  it('listens on ephemeral ports, returns real URLs, and each listener answers its protocol', async () => {
    const sandbox: Sandbox = await startSandbox(ephemeral);
    cleanups.push(() => sandbox.close());
    for (const url of [sandbox.url, sandbox.otlpUrl, sandbox.datadogUrl])
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.url).not.toMatch(/:0$/);
    expect(sandbox.xrayAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);

    const otlp = await fetch(`${sandbox.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(otlp.status).toBe(200);
    expect(otlp.headers.get('x-powered-by')).toBeNull();
    const info = await fetch(`${sandbox.datadogUrl}/info`);
    expect(info.status).toBe(200);

    // An X-Ray segment over UDP lands in the same store the API reads.
    const [host, port] = sandbox.xrayAddress.split(':');
    const segment = {
      trace_id: '1-5f84c7a0-1234567890abcdef12345678',
      id: '70de5b6f19ff9a0a',
      name: 'activities',
      start_time: 1_700_000_000,
      end_time: 1_700_000_000.2,
      annotations: { bakeoff_run_id: 'udp-run', bakeoff_seq: 1 },
    };
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.send(`{"format":"json","version":1}\n${JSON.stringify(segment)}`, Number(port), host, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    socket.close();
    for (let i = 0; i < 100 && sandbox.store.listTraces({ vendor: 'xray' }).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const traces = await (await fetch(`${sandbox.url}/api/traces?vendor=xray`)).json();
    expect(traces).toMatchObject([{ traceId: segment.trace_id, runId: 'udp-run', seq: 1 }]);
  });

  it('refuses a taken port with a clear error naming the port and the listener', async () => {
    const taken = await holdPort();
    await expect(startSandbox({ ...ephemeral, port: taken })).rejects.toMatchObject({
      code: 'BAKEOFF_ERR_PORT_IN_USE',
      message: expect.stringMatching(new RegExp(`port ${taken} .*UI/API listener.*--port`)),
    });
    await expect(startSandbox({ ...ephemeral, datadogPort: taken })).rejects.toMatchObject({
      code: 'BAKEOFF_ERR_PORT_IN_USE',
      message: expect.stringContaining('Datadog agent listener'),
    });
  });

  it('rejects a port outside 0..65535 before binding anything', async () => {
    await expect(startSandbox({ ...ephemeral, otlpPort: 70000 })).rejects.toMatchObject({
      code: 'BAKEOFF_ERR_USAGE',
    });
  });

  it('close() releases every port', async () => {
    const sandbox = await startSandbox(ephemeral);
    const port = Number(new URL(sandbox.url).port);
    await sandbox.close();
    const again = await startSandbox({ ...ephemeral, port });
    cleanups.push(() => again.close());
    expect(again.url).toBe(sandbox.url);
  });
});

describe('bakeoff sandbox command', () => {
  it('prints the URLs and closes when told to stop', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runSandboxCommand(
      ['--port', '0', '--otlp-port', '0', '--datadog-port', '0', '--xray-port', '0', '--max-spans', '10'],
      { out: (l) => lines.push(l), stopSignal },
    );
    while (!lines.some((l) => l.includes('X-Ray daemon'))) await new Promise((r) => setTimeout(r, 10));
    const ui = lines.find((l) => l.includes('UI + JSON API'))!.match(/http:\/\/\S+/)![0];
    expect((await fetch(`${ui}/api/health`)).status).toBe(200);
    stop();
    await running;
    expect(lines.at(-1)).toBe('sandbox closed');
    await expect(fetch(`${ui}/api/health`)).rejects.toThrow();
  });

  it('prints help, and refuses bad options with a usage error', async () => {
    const lines: string[] = [];
    await runSandboxCommand(['--help'], { out: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/--datadog-port N/);
    await expect(runSandboxCommand(['--port', 'http'])).rejects.toMatchObject({
      code: 'BAKEOFF_ERR_USAGE',
      message: expect.stringMatching(/--port must be/),
    });
    await expect(runSandboxCommand(['--bogus'])).rejects.toMatchObject({ code: 'BAKEOFF_ERR_USAGE' });
  });
});
