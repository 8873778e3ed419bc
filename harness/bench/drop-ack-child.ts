/**
 * The drop-ack sandbox in its own process, so what it spends answering SDKs never counts against the
 * services under test. Driven by the bench over IPC: `counts` and `reset`.
 */
import { startDropAckSandbox } from '../../sandbox/drop-ack';
import { serveIpc } from './ipc-child';

export interface DropAckInfo {
  url: string;
  otlpUrl: string;
  datadogUrl: string;
  xrayAddress: string;
}

async function main(): Promise<void> {
  const sandbox = await startDropAckSandbox({ host: '127.0.0.1' });
  const info: DropAckInfo = {
    url: sandbox.url,
    otlpUrl: sandbox.otlpUrl,
    datadogUrl: sandbox.datadogUrl,
    xrayAddress: sandbox.xrayAddress,
  };
  process.once('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
  serveIpc(info, async (request) => {
    if (request.type === 'counts') return sandbox.counts();
    if (request.type === 'reset') return sandbox.reset();
    throw new Error(`unknown request ${request.type}`);
  });
}

void main().catch((error: unknown) => {
  process.stderr.write(`drop-ack sandbox failed: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
