/**
 * Every vendor's manifest, by adapter name. The one list of vendors: `ADAPTER_NAMES`, signals, conflicts, the
 * config's variable list and the credential scrub are derived from it. Imports no SDK, adapter or sandbox code,
 * so every layer (app, adapters, sandbox, harness, cli) may read it.
 */
import { cloudwatch } from './cloudwatch';
import { datadog } from './datadog';
import { honeycomb } from './honeycomb';
import { none } from './none';
import { otlp } from './otlp';
import { rollbar } from './rollbar';
import { sentry } from './sentry';
import type { Signal, VendorManifest } from './types';
import { xray } from './xray';
import { xrayOtel } from './xray-otel';

export type { EnvVarSpec, Signal, VendorManifest } from './types';

// Order matters: it is the order of `OBSERVABILITY`'s help, the compare report's columns and the demo's groups.
const MANIFESTS = {
  honeycomb,
  xray,
  sentry,
  rollbar,
  datadog,
  cloudwatch,
  otlp,
  'xray-otel': xrayOtel,
  none,
} as const;

export type AdapterName = keyof typeof MANIFESTS;

/** Typed so a manifest whose `name` differs from its key, or a conflict with an unknown vendor, fails to compile. */
export const VENDORS: {
  readonly [Name in AdapterName]: VendorManifest<Name> & {
    readonly conflicts: Partial<Record<AdapterName, string>>;
  };
} = MANIFESTS satisfies Record<AdapterName, VendorManifest>;

export const ADAPTER_NAMES = Object.keys(VENDORS) as readonly AdapterName[];

/** The vendors that send something (every adapter but the `none` baseline). */
export const VENDOR_NAMES = ADAPTER_NAMES.filter((name) => VENDORS[name].sdk !== null);

export const ADAPTER_SIGNALS = Object.fromEntries(
  ADAPTER_NAMES.map((name) => [name, VENDORS[name].signals]),
) as Readonly<Record<AdapterName, readonly Signal[]>>;

/** Pairs whose SDKs break each other's traces in one process, each stated once (manifests say it on one side). */
export const CONFLICTS: ReadonlyArray<{ pair: [AdapterName, AdapterName]; why: string }> =
  ADAPTER_NAMES.flatMap((name) =>
    Object.entries(VENDORS[name].conflicts).map(([other, why]) => ({
      pair: [name, other as AdapterName] as [AdapterName, AdapterName],
      why: why as string,
    })),
  );

export function conflictBetween(a: AdapterName, b: AdapterName): string | undefined {
  return CONFLICTS.find(({ pair }) => pair.includes(a) && pair.includes(b) && a !== b)?.why;
}

/** Every variable any vendor reads, in manifest order, without duplicates (the AWS ones are shared). */
export const VENDOR_ENV_VARS: readonly string[] = [
  ...new Set(ADAPTER_NAMES.flatMap((name) => Object.keys(VENDORS[name].env))),
];
