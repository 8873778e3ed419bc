/** Bounded waiting for flushes and shutdowns: a vendor that hangs must never hold the process past its timeout. */

/** Resolves when `work` settles or at `ms`, whichever is first; never rejects. */
export function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work.then(noop, noop), deadline]).finally(() => clearTimeout(timer));
}

function noop(): void {}
