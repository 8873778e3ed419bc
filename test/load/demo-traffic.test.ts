import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoTraffic } from '../../harness/demo-traffic';
import { type StubTarget, startStubTarget } from './stub-target';

let stub: StubTarget | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('startDemoTraffic', () => {
  it('sends demo-<timestamp> traffic, reports now and then, and stops cleanly', async () => {
    stub = await startStubTarget();
    const lines: string[] = [];
    const traffic = startDemoTraffic(stub.url, {
      rate: 50,
      reportEverySeconds: 0.1,
      log: (l) => lines.push(l),
    });
    await until(() => stub!.seen.length >= 5 && lines.some((l) => /requests in the last/.test(l)), 'traffic');
    await traffic.stop();
    // Requests aborted by stop() may still reach the stub a moment later; after that, nothing new may come.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = stub.seen.length;
    expect(new Set(stub.seen.map((r) => r.run)).size).toBe(1);
    expect(stub.seen[0].run).toMatch(/^demo-\d{8}T\d{9}Z$/);
    await new Promise((resolve) => setTimeout(resolve, 300)); // 15 requests' worth at 50 req/s
    expect(stub.seen.length).toBe(sent);
  });

  it('keeps going while the target is down and comes back when it returns', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const lines: string[] = [];
    const traffic = startDemoTraffic(`http://127.0.0.1:${port}`, {
      rate: 50,
      reportEverySeconds: 0.1,
      log: (l) => lines.push(l),
    });
    await until(() => lines.some((l) => /[1-9]\d* errors/.test(l)), 'an error report');
    await traffic.stop();
  });
});
