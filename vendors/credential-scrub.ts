/**
 * The one policy that keeps test and demo traffic off real vendor accounts: every command that starts services
 * against a sandbox (compare, bench, the demo, the adapter tests) removes these variables from the environment
 * it inherits. Derived from the manifests, so a new vendor's credentials are scrubbed the day it is added.
 */
import { ADAPTER_NAMES, VENDORS } from './index';

/** Every manifest variable marked `credential` or `endpoint`: set, it sends data to a real account. */
export const SCRUBBED_VENDOR_VARS: readonly string[] = [
  ...new Set(
    ADAPTER_NAMES.flatMap((name) =>
      Object.entries(VENDORS[name].env)
        .filter(([, spec]) => spec.credential || spec.endpoint)
        .map(([variable]) => variable),
    ),
  ),
];

/** Plain settings a user may pass through (`SENTRY_TRACE_LIFECYCLE`, `DD_ENV`…): declared, and neither of the above. */
const DECLARED_SETTINGS = new Set(
  ADAPTER_NAMES.flatMap((name) => Object.keys(VENDORS[name].env)).filter(
    (variable) => !SCRUBBED_VENDOR_VARS.includes(variable),
  ),
);

const SDK_PREFIXES = [...new Set(ADAPTER_NAMES.flatMap((name) => VENDORS[name].sdkEnvPrefixes))];

/**
 * Whether a variable could send data to a real vendor: a credential or endpoint of a manifest, or anything an
 * SDK reads by itself (its prefix) that no manifest declares as a plain setting, e.g. `DD_SITE`,
 * `OTEL_EXPORTER_OTLP_HEADERS`, `AWS_ENDPOINT_URL`.
 */
export function isVendorRoutingVar(variable: string): boolean {
  if (SCRUBBED_VENDOR_VARS.includes(variable)) return true;
  if (DECLARED_SETTINGS.has(variable)) return false;
  return SDK_PREFIXES.some((prefix) => variable.startsWith(prefix));
}

/**
 * Overrides that unset every vendor-routing variable of `parent` (and every manifest credential, set or not),
 * for `spawn(…, { env: { ...parent, ...overrides } })`, where an `undefined` value removes the variable.
 */
export function vendorScrubOverrides(
  parent: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, undefined> {
  const names = new Set([...SCRUBBED_VENDOR_VARS, ...Object.keys(parent).filter(isVendorRoutingVar)]);
  return Object.fromEntries([...names].map((name) => [name, undefined]));
}

/**
 * A copy of `parent` with every vendor-routing variable removed. `settings: 'drop'` removes the declared plain
 * settings too (the benchmark: every arm must run the same SDK setup whatever the caller's shell holds).
 */
export function scrubVendorEnv(
  parent: Readonly<Record<string, string | undefined>> = process.env,
  options: { settings?: 'keep' | 'drop' } = {},
): Record<string, string | undefined> {
  const drop = (name: string) =>
    isVendorRoutingVar(name) || (options.settings === 'drop' && DECLARED_SETTINGS.has(name));
  return Object.fromEntries(Object.entries(parent).filter(([name]) => !drop(name)));
}
