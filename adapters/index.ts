/**
 * The adapter registry: adapter name → lazily imported factory. Vendor SDKs are only loaded when their adapter
 * is chosen, so `OBSERVABILITY=none` loads no vendor code at all.
 */
import { BakeoffError } from '../config/errors';
import type { Adapter, AdapterFactory, AdapterName, AdapterOptions } from './types';

type Loader = () => Promise<AdapterFactory>;

const LOADERS: Partial<Record<AdapterName, Loader>> = {
  none: async () => (await import('./none')).createNoneAdapter,
  xray: async () => (await import('./xray')).createXrayAdapter,
  rollbar: async () => (await import('./rollbar')).createRollbarAdapter,
  sentry: async () => (await import('./sentry')).createSentryAdapter,
  datadog: async () => (await import('./datadog')).createDatadogAdapter,
  honeycomb: async () => (await import('./honeycomb')).createHoneycombAdapter,
  cloudwatch: async () => (await import('./cloudwatch')).createCloudWatchAdapter,
};

/**
 * Pairs whose SDKs break each other's traces in one process. The compare command runs each vendor in its own
 * process pair, which is how to see them side by side.
 */
export const CONFLICTS: ReadonlyArray<{ pair: [AdapterName, AdapterName]; why: string }> = [
  {
    pair: ['datadog', 'honeycomb'],
    why: 'dd-trace and OpenTelemetry both patch http and both write `traceparent`, so each breaks the other’s trace tree',
  },
];

/** Throws a coded error naming the conflict and what to do instead. */
export function assertCompatible(names: readonly AdapterName[]): void {
  for (const { pair, why } of CONFLICTS) {
    if (pair.every((name) => names.includes(name))) {
      throw new BakeoffError(
        'BAKEOFF_ERR_ADAPTER_CONFLICT',
        `OBSERVABILITY=${names.join(',')} combines ${pair.join(' and ')}: ${why}. ` +
          `Run them in separate processes instead, e.g. \`bakeoff compare --vendors ${pair.join(',')}\`.`,
      );
    }
  }
}

/** Builds (but does not start) the adapters for these names, in order. */
export async function createAdapters(
  names: readonly AdapterName[],
  options: AdapterOptions,
): Promise<Adapter[]> {
  assertCompatible(names);
  const adapters: Adapter[] = [];
  for (const name of names) {
    const load = LOADERS[name];
    if (!load) {
      throw new BakeoffError(
        'BAKEOFF_ERR_UNKNOWN_ADAPTER',
        `Adapter "${name}" is not available in this build.`,
      );
    }
    adapters.push((await load())(options));
  }
  return adapters;
}
