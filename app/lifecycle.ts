/**
 * Graceful shutdown: stop accepting, let in-flight requests finish (telling keep-alive clients to reconnect
 * elsewhere), then flush every vendor and close the store, all within one time budget (`SHUTDOWN_TIMEOUT_MS`).
 */
import type { RequestListener, Server, ServerResponse } from 'node:http';
import net from 'node:net';
import { OpenResponses } from './http/open-responses';

/**
 * The share of the budget in-flight requests may use. A stuck request must not leave the vendors nothing: they
 * get the rest, at least half, to flush what every other request recorded.
 */
export const DRAIN_SHARE = 0.5;

/**
 * One deadline for the whole shutdown, so draining, flushing and closing together take at most the budget,
 * never the budget for each step (which is what outlives a container runtime's stop grace period).
 */
export class ShutdownDeadline {
  private readonly end: number;

  constructor(readonly budgetMs: number) {
    this.end = performance.now() + budgetMs;
  }

  /** What the in-flight requests may use. */
  get drainMs(): number {
    return Math.min(this.remainingMs(), this.budgetMs * DRAIN_SHARE);
  }

  /** Milliseconds left until the deadline, never negative. */
  remainingMs(): number {
    return Math.max(0, this.end - performance.now());
  }
}

export class Drain {
  private draining = false;
  /** Responses not yet closed: at drain start, those still to be written are told to close their connection. */
  private readonly open = new OpenResponses();
  private idle: Array<() => void> = [];
  /** One 'close' listener for every response (Node calls it with the response as `this`): no closure per request. */
  private readonly onClose: (this: ServerResponse) => void;

  constructor() {
    const closed = (res: ServerResponse) => {
      this.open.remove(res);
      if (this.open.size === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    this.onClose = function (this: ServerResponse) {
      closed(this);
    };
  }

  /**
   * The HTTP server's request listener: counts `app`'s requests and, once draining, answers with
   * `Connection: close` so no socket is reused. Outside the app, so every request is counted before any of
   * the app's layers runs, and counting costs no middleware dispatch.
   */
  counting(app: RequestListener): RequestListener {
    return (req, res) => {
      this.open.add(res);
      if (this.draining) res.setHeader('connection', 'close');
      // Node emits 'close' exactly once per response: after 'finish' when it was answered, or when the client
      // went away first. One listener per request, not two.
      res.on('close', this.onClose);
      app(req, res);
    };
  }

  /** Stops accepting connections and resolves when every in-flight request is answered (or at the timeout). */
  async stop(server: Server, timeoutMs: number): Promise<void> {
    this.draining = true;
    for (const res of this.open) if (!res.headersSent) res.setHeader('connection', 'close');
    // Stop listening, but leave idle keep-alive connections be for now (http.Server#close would cut them): a
    // client may be sending on one this very moment, and would see it close unanswered. Each gets its answer,
    // marked `Connection: close`, and the client reconnects (to a listener that is gone).
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    const drained = this.open.size === 0 ? Promise.resolve() : new Promise<void>((r) => this.idle.push(r));
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([drained, timer]);
    // Connections idle all along, and past the deadline whatever still runs, are cut: shutdown is bounded.
    server.closeAllConnections();
    await Promise.race([closed, timer]);
  }
}
