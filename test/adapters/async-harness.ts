/**
 * The async case of the conformance suite: a producer process (a request that sends an SQS message) and then a
 * consumer process (the worker's handling of it), each under one real adapter and the app's facade, with the
 * real @aws-sdk/client-sqs against the sandbox's SQS emulator (test/fixtures/async-adapter.js).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sandboxEnv } from '../../harness/services';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import type {
  ErrorOccurrence,
  LogRecord,
  SandboxVendor,
  SpanRecord,
  TraceSummary,
} from '../../shared/sandbox-api';

const FIXTURE = path.resolve(__dirname, '../fixtures/async-adapter.js');
/** Two creates: the first notification succeeds, the second fails in the worker. */
export const MESSAGES = 2;

export interface AsyncRun {
  sandbox: Sandbox;
  runId: string;
  produced: { sent: Array<{ messageId: string; carrierKeys: string[] }> };
  consumed: { handled: Array<{ seq: number; carrierKeys: string[] }> };
  spans(vendor: SandboxVendor): Promise<SpanRecord[]>;
  errors(vendor: SandboxVendor): Promise<ErrorOccurrence[]>;
  logs(vendor: SandboxVendor): Promise<LogRecord[]>;
  close(): Promise<void>;
}

function runFixture(env: Record<string, string | undefined>): Promise<unknown> {
  const child = spawn(process.execPath, [FIXTURE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
      else reject(new Error(`async fixture (${env.ROLE}) exited ${code}: ${stderr.slice(-2000)}`));
    }),
  );
}

export async function runAsyncHop(observability: string): Promise<AsyncRun> {
  const sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const sqs = new SQSClient({
    endpoint: sandbox.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `notifications-${observability.replace(/,/g, '-')}` }),
  );
  sqs.destroy();
  const runId = `run-async-${observability.replace(/,/g, '-')}`;
  const env = {
    ...process.env,
    ...sandboxEnv(sandbox),
    OBSERVABILITY: observability,
    QUEUE_URL: QueueUrl,
    RUN_ID: runId,
    COUNT: String(MESSAGES),
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const produced = (await runFixture({ ...env, ROLE: 'produce' })) as AsyncRun['produced'];
  const consumed = (await runFixture({ ...env, ROLE: 'consume' })) as AsyncRun['consumed'];
  const api = async <T>(urlPath: string): Promise<T> => (await fetch(`${sandbox.url}${urlPath}`)).json() as T;
  return {
    sandbox,
    runId,
    produced,
    consumed,
    async spans(vendor) {
      const traces = await api<TraceSummary[]>(`/api/traces?vendor=${vendor}&limit=1000`);
      const spans: SpanRecord[] = [];
      for (const trace of traces) {
        const full = await api<{ spans: SpanRecord[] }>(
          `/api/traces/${vendor}/${encodeURIComponent(trace.traceId)}`,
        );
        spans.push(...full.spans);
      }
      return spans;
    },
    errors: (vendor) => api<ErrorOccurrence[]>(`/api/errors?vendor=${vendor}`),
    logs: (vendor) => api<LogRecord[]>(`/api/logs?vendor=${vendor}`),
    close: () => sandbox.close(),
  };
}
