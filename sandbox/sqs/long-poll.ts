/**
 * ReceiveMessage's long polling (WaitTimeSeconds 1–20): a receive that finds nothing waits, and is answered as
 * soon as a message of its queue becomes visible — sent, its delay over, its visibility timeout ended or set
 * to 0 — or with no messages when its wait ends. Waiters of a queue are served oldest first. On `close` every
 * waiter is answered at once with no messages, so stopping the sandbox never waits 20 s nor cuts a poll off.
 */
import type { SqsState, StoredMessage } from './state';

interface Waiter {
  take: () => StoredMessage[];
  resolve: (messages: StoredMessage[]) => void;
  deadline: NodeJS.Timeout;
}

export class LongPoll {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Per queue: wakes the waiters when the next hidden message becomes visible. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private serving = new Set<string>();
  private closed = false;

  constructor(private readonly state: SqsState) {
    state.onChange((queue) => this.serve(queue));
  }

  /**
   * Answers with what `take` returns as soon as it returns something, else with [] after `waitMs`. `take` is
   * tried at once first. The returned `cancel` drops the waiter (the client went away).
   */
  wait(
    queue: string,
    waitMs: number,
    take: () => StoredMessage[],
  ): { messages: Promise<StoredMessage[]>; cancel(): void } {
    const now = take();
    if (now.length > 0 || waitMs <= 0 || this.closed)
      return { messages: Promise.resolve(now), cancel: () => {} };
    let waiter!: Waiter;
    const messages = new Promise<StoredMessage[]>((resolve) => {
      waiter = {
        take,
        resolve,
        deadline: setTimeout(() => this.finish(queue, waiter, []), waitMs),
      };
    });
    let set = this.waiters.get(queue);
    if (!set) this.waiters.set(queue, (set = new Set()));
    set.add(waiter);
    this.schedule(queue);
    return { messages, cancel: () => this.finish(queue, waiter, []) };
  }

  /** How many receives are waiting on a queue (the UI shows it). */
  waiting(queue: string): number {
    return this.waiters.get(queue)?.size ?? 0;
  }

  close(): void {
    this.closed = true;
    for (const [queue, set] of this.waiters) for (const w of set) this.finish(queue, w, []);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private finish(queue: string, waiter: Waiter, messages: StoredMessage[]): void {
    const set = this.waiters.get(queue);
    if (!set?.delete(waiter)) return;
    if (set.size === 0) {
      this.waiters.delete(queue);
      clearTimeout(this.timers.get(queue));
      this.timers.delete(queue);
    }
    clearTimeout(waiter.deadline);
    waiter.resolve(messages);
  }

  /** Gives visible messages to waiters in order. Re-entrant calls (a receive changes state too) are folded in. */
  private serve(queue: string): void {
    if (this.serving.has(queue) || !this.waiters.has(queue)) return;
    this.serving.add(queue);
    try {
      for (const waiter of [...(this.waiters.get(queue) ?? [])]) {
        let got: StoredMessage[];
        try {
          got = waiter.take();
        } catch {
          got = []; // the queue was deleted under the poll: answer empty, as its wait would end
        }
        if (got.length === 0) break;
        this.finish(queue, waiter, got);
      }
    } finally {
      this.serving.delete(queue);
    }
    this.schedule(queue);
  }

  private schedule(queue: string): void {
    clearTimeout(this.timers.get(queue));
    this.timers.delete(queue);
    if (!this.waiters.has(queue)) return;
    const next = this.state.nextVisibleAt(queue);
    if (next === undefined) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(queue);
        this.serve(queue);
      },
      Math.max(0, next - Date.now()) + 1,
    );
    this.timers.set(queue, timer);
  }
}
