/**
 * What each adapter reports, known without loading its SDK (the compare report needs it to know what to
 * expect of a vendor, and which sandbox name its data arrives under).
 */
import type { SandboxVendor } from '../sandbox/model';
import type { AdapterName, Signal } from './types';

export const ADAPTER_SIGNALS: Readonly<Record<AdapterName, readonly Signal[]>> = {
  honeycomb: ['traces', 'errors'],
  xray: ['traces', 'errors'],
  sentry: ['traces', 'errors'],
  rollbar: ['errors'],
  datadog: ['traces', 'errors'],
  cloudwatch: ['logs'],
  none: [],
};

/** The sandbox's name for an adapter's data (`none` sends nothing). */
export function sandboxVendorOf(adapter: AdapterName): SandboxVendor | null {
  return adapter === 'none' ? null : adapter;
}
