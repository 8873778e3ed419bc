/**
 * Export settings every OpenTelemetry-based adapter shares: a bounded export timeout and one stderr line when
 * spans stop arriving.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { AdapterOptions } from '../types';

/**
 * Upper bound for one export, retries included. The OTLP exporter's default is 10 s, and against a dead
 * endpoint its retries (1 s, 1.5 s, 2.25 s, …) stretch `shutdown()` to ~9 s; 5 s keeps a stuck export from
 * outliving a graceful shutdown. `OTEL_EXPORTER_OTLP_TIMEOUT` overrides it.
 */
export const DEFAULT_EXPORT_TIMEOUT_MS = 5000;

export function exportTimeoutMs(env: AdapterOptions['env'], signal: 'TRACES' | 'LOGS' = 'TRACES'): number {
  const fromEnv = Number(env[`OTEL_EXPORTER_OTLP_${signal}_TIMEOUT`] ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_EXPORT_TIMEOUT_MS;
}

/** What span and log exporters have in common: one callback shape. */
interface Exporter {
  export(items: never[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * The SDK reports export failures only through `diag`, which is silent unless configured: say once on stderr
 * that data is not arriving (never a credential: the OTLP error carries the status or the socket error only).
 */
export function reportFirstFailure<E extends Exporter>(adapter: string, what: string, exporter: E): E {
  let reported = false;
  const wrapped: Exporter = {
    export(items, done) {
      exporter.export(items, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && !reported) {
          reported = true;
          const reason = result.error?.message ?? 'unknown error';
          process.stderr.write(`[bakeoff] ${adapter}: ${what} export failed (reported once): ${reason}\n`);
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  return wrapped as E;
}
