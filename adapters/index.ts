/**
 * The adapter registry: adapter name → lazily imported factory. Vendor SDKs are only loaded when their adapter
 * is chosen, so `OBSERVABILITY=none` loads no vendor code at all.
 */
import { BakeoffError } from '../config/errors';
import { vendorEgress } from './egress';
import { CONFLICTS } from '../vendors';
import type { Adapter, AdapterFactory, AdapterName, AdapterOptions } from './types';

type Loader = () => Promise<AdapterFactory>;

// A `Record`, not a `Partial`: a manifest without a loader (or a loader without a manifest) fails to compile.
const LOADERS: Record<AdapterName, Loader> = {
  none: async () => (await import('./none')).createNoneAdapter,
  xray: async () => (await import('./xray')).createXrayAdapter,
  rollbar: async () => (await import('./rollbar')).createRollbarAdapter,
  sentry: async () => (await import('./sentry')).createSentryAdapter,
  datadog: async () => (await import('./datadog')).createDatadogAdapter,
  honeycomb: async () => (await import('./honeycomb')).createHoneycombAdapter,
  cloudwatch: async () => (await import('./cloudwatch')).createCloudWatchAdapter,
  otlp: async () => (await import('./otlp')).createOtlpAdapter,
  'xray-otel': async () => (await import('./xray-otel')).createXrayOtelAdapter,
};

/**
 * Pairs whose SDKs break each other's traces in one process (from the manifests' `conflicts`). The compare
 * command runs each vendor in its own process pair, which is how to see them side by side.
 */
export { CONFLICTS } from '../vendors';

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
  const factories: AdapterFactory[] = [];
  for (const name of names) factories.push(await LOADERS[name]());
  // Each SDK's uploads run in whatever request context armed their timer, so every tracer must know every
  // adapter's endpoints, not just its own, before any SDK starts (adapters/egress.ts).
  const egress = vendorEgress(
    options.sandboxUrl,
    factories.flatMap((create) => create.egress?.(options) ?? []),
  );
  return factories.map((create) => create({ ...options, egress }));
}
