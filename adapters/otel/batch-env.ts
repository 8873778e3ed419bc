/**
 * The spec's batch processor variables (OTEL_BSP_* for spans, OTEL_BLRP_* for log records:
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Since SDK 3.x a
 * `BatchSpanProcessor` or `BatchLogRecordProcessor` built in code no longer reads them itself (only the
 * processors `NodeSDK` builds from `OTEL_TRACES_EXPORTER` do), so an adapter that builds its own passes these
 * options, and the variables keep the meaning the vendor docs give them. Unset or not a number → the SDK default.
 */
import { getNumberFromEnv } from '@opentelemetry/core';

export interface BatchOptions {
  maxQueueSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  maxExportBatchSize?: number;
}

export function batchOptionsFromEnv(prefix: 'OTEL_BSP' | 'OTEL_BLRP'): BatchOptions {
  const options: BatchOptions = {
    maxQueueSize: getNumberFromEnv(`${prefix}_MAX_QUEUE_SIZE`),
    scheduledDelayMillis: getNumberFromEnv(`${prefix}_SCHEDULE_DELAY`),
    exportTimeoutMillis: getNumberFromEnv(`${prefix}_EXPORT_TIMEOUT`),
    maxExportBatchSize: getNumberFromEnv(`${prefix}_MAX_EXPORT_BATCH_SIZE`),
  };
  // A negative count or delay is no setting: leave it to the SDK's default, as for a value that is not a number.
  for (const key of Object.keys(options) as Array<keyof BatchOptions>)
    if (options[key] === undefined || options[key] < 0) delete options[key];
  return options;
}
