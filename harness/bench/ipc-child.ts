/**
 * A long-lived helper process (load generator, drop-ack sandbox) driven over Node's IPC channel with
 * request/answer messages. Started through `taskset` when pinned, which keeps the IPC channel (it is an
 * inherited fd plus an environment variable).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { pinnedCommand } from './pinning';

export interface IpcRequest {
  id: number;
  type: string;
  [key: string]: unknown;
}

export interface IpcAnswer {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export class IpcChild {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private output = '';
  private readonly ready: Promise<unknown>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const onData = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: IpcAnswer | { ready: unknown }) => {
        if ('ready' in message) {
          resolve(message.ready);
          return;
        }
        const pending = this.waiting.get(message.id);
        if (!pending) return;
        this.waiting.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new Error(`${name}: ${message.error}`));
      });
      child.once('exit', (code, signal) => {
        const error = new Error(`${name} exited (${signal ?? code}); output:\n${this.output}`);
        reject(error);
        for (const pending of this.waiting.values()) pending.reject(error);
        this.waiting.clear();
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Starts `node script` (pinned to `cpus` if given) and resolves with what it announced as ready. */
  static async start<T>(
    name: string,
    script: string,
    cpus: string | null,
  ): Promise<{ child: IpcChild; info: T }> {
    const [command, args] = pinnedCommand(cpus, [script]);
    const child = new IpcChild(name, spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
    const info = (await child.ready) as T;
    return { child, info };
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request<T>(type: string, payload: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, type, ...payload } satisfies IpcRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** The child side: answer each request with `handle`, and say `ready` once. */
export function serveIpc(ready: unknown, handle: (request: IpcRequest) => Promise<unknown>): void {
  if (!process.send) throw new Error('this script is a bench helper: start it with an IPC channel');
  process.on('message', (request: IpcRequest) => {
    handle(request).then(
      (value) => process.send?.({ id: request.id, ok: true, value } satisfies IpcAnswer),
      (error: unknown) =>
        process.send?.({ id: request.id, ok: false, error: (error as Error)?.message ?? String(error) }),
    );
  });
  // The parent going away must not leave helpers behind.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready });
}
