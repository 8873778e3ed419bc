/** Polls a URL until it answers 2xx, so a command starts its next step only once a service is ready. */
import { setTimeout as sleep } from 'node:timers/promises';

/** `acceptDegraded`: a 503 answer counts too (the service is up, a dependency it retries is not yet). */
export async function waitForHealthy(
  url: string,
  timeoutMs: number,
  options: { acceptDegraded?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok || (options.acceptDegraded && res.status === 503)) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} was not healthy within ${timeoutMs} ms (${last})`);
}
