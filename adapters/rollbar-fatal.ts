/**
 * Reports a crash to Rollbar without changing how the process crashes.
 *
 * rollbar.js's own `captureUncaught` / `captureUnhandledRejections` options install `uncaughtException` and
 * `unhandledRejection` listeners. By Node's rules a listener means "handled": the process then keeps running
 * after an uncaught exception, and an unhandled rejection no longer crashes it (Node 15+ crashes by default).
 * Its `exitOnUncaughtException` waits for delivery with no time limit, and no stack is printed.
 *
 * So this one listener does what Node would have done, plus the report: print the stack, send a `critical`
 * item, wait for it at most `flushMs`, exit with code 1 (Node's code for an uncaught exception). With Node's
 * default `--unhandled-rejections=throw` an unhandled rejection arrives here too (origin `unhandledRejection`).
 */
export interface FatalCapture {
  uninstall(): void;
}

/**
 * @param report  sends the item; calls `done` once it is delivered (or failed).
 * @param flushMs upper bound on the wait before exiting.
 */
export function captureFatalErrors(
  report: (error: Error, origin: string, done: () => void) => void,
  flushMs: number,
): FatalCapture {
  let crashing = false;
  const onFatal = (thrown: unknown, origin: string) => {
    const error = thrown instanceof Error ? thrown : new Error(`Non-error thrown: ${String(thrown)}`);
    process.stderr.write(`${error.stack ?? `${error.name}: ${error.message}`}\n`);
    // A second crash while the first is being reported: the exit is already on its way.
    if (crashing) return;
    crashing = true;
    process.exitCode = 1;
    const exit = () => process.exit(1);
    setTimeout(exit, flushMs);
    try {
      report(error, origin, exit);
    } catch {
      exit();
    }
  };
  process.on('uncaughtException', onFatal);
  return { uninstall: () => process.off('uncaughtException', onFatal) };
}
