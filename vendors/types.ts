/**
 * The vendor manifest: everything bakeoff knows about a vendor without loading its SDK or the sandbox. The
 * adapter registry, the config's variable list, the credential scrub, the demo's process groups, the sandbox's
 * labels and the docs tests all derive from these records (vendors/index.ts), so adding a vendor is one
 * manifest, one adapter, one sandbox ingest and one docs page.
 */

export type Signal = 'traces' | 'errors' | 'logs';

/** One environment variable an adapter (or its SDK, on bakeoff's behalf) reads. */
export interface EnvVarSpec {
  /** What it does, for the docs and `.env.example`. */
  readonly description: string;
  /** A secret or an account selector: set → data goes to the real vendor. Scrubbed by compare, bench, demo. */
  readonly credential?: boolean;
  /** Points the SDK at a real destination (an agent, a region, an API host). Scrubbed as credentials are. */
  readonly endpoint?: boolean;
}

export interface VendorRelease {
  /** The native setting, as the vendor's docs name it (for the docs and the report). */
  readonly setting: string;
  /** Sandbox record attributes holding it, first match wins. */
  readonly sandboxAttributes: readonly string[];
}

export interface VendorManifest<Name extends string = string> {
  /** The adapter name: an `OBSERVABILITY` value and, except `none`, the sandbox's vendor name. */
  readonly name: Name;
  /** What the vendor's console calls itself (sandbox tabs, report columns). */
  readonly label: string;
  readonly signals: readonly Signal[];
  /**
   * The SDK package the adapter is written against and the versions it supports, as a caret range
   * (`^major.minor.patch`), checked against the installed package at start (adapters/sdk-version.ts).
   */
  readonly sdk: { readonly package: string; readonly range: string } | null;
  /** Every variable bakeoff reads for this vendor; unset credentials mean "send to the sandbox". */
  readonly env: Readonly<Record<string, EnvVarSpec>>;
  /**
   * Prefixes of variables the SDK reads by itself (e.g. `DD_SITE`, `OTEL_EXPORTER_OTLP_HEADERS`): any such
   * variable not declared in `env` is scrubbed too, so an unknown one can't redirect test traffic.
   */
  readonly sdkEnvPrefixes: readonly string[];
  /** How the adapter chooses between the real vendor and the sandbox (for the docs). */
  readonly endpointChoice: string;
  /** The sandbox ingest it pairs with (sandbox/ingest/<name>.ts), or null for the baseline. */
  readonly sandboxIngest: string | null;
  /** Adapters whose SDK breaks this one's traces in one process, with why. Symmetric: state it on one side. */
  readonly conflicts: Readonly<Record<string, string>>;
  /** The vendor's docs page in this repository, or null. */
  readonly docs: string | null;
  /**
   * Where the run's release (`BAKEOFF_RELEASE`) goes: the vendor's own version setting, and the record
   * attributes it arrives under in the sandbox, which files the first one present as the record's `release`.
   * Null: the vendor has no notion of a release.
   */
  readonly release: VendorRelease | null;
}
