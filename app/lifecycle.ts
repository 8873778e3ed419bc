/**
 * Graceful shutdown: stop accepting, let in-flight requests finish (telling keep-alive clients to reconnect
 * elsewhere), then flush every vendor and close the store, all within a bounded time.
 */
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';

export class Drain {
  private draining = false;
  private inFlight = 0;
  private idle: Array<() => void> = [];

  /** Counts requests and, once draining, answers with `Connection: close` so no socket is reused. */
  readonly middleware: RequestHandler = (_req, res, next) => {
    this.inFlight++;
    if (this.draining) res.setHeader('connection', 'close');
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };

  /** Stops accepting connections and resolves when every in-flight request is answered (or at the timeout). */
  async stop(server: Server, timeoutMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => this.idle.push(r));
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([drained.then(() => server.closeIdleConnections()), timer]);
    // Whatever is still open past the deadline is cut, so shutdown is bounded.
    server.closeAllConnections();
    await Promise.race([closed, timer]);
  }
}
