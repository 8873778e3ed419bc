/**
 * The run's release: one string every adapter reports under its vendor's own version setting (the manifests'
 * `release` field says which), so a vendor's "which deploy was this?" view can be compared across vendors.
 */
import { packageInfo } from '../cli/package-info';

/**
 * What every vendor accepts unchanged: Rollbar caps `code_version` at 40 characters, Datadog rewrites tag
 * characters outside `[a-z0-9_.:/-]`, Sentry refuses `/`, newlines and the names `.` and `..`.
 */
export const RELEASE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
export const RELEASE_RULE =
  'must be 1 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit (a value every vendor keeps as is)';

/** The package version: the same for every process of a run, and in every test. */
export function defaultRelease(): string {
  return packageInfo().version;
}
