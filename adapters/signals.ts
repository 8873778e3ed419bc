/**
 * Which sandbox vendor name an adapter's data arrives under (the compare report reads it). The signals
 * themselves come from the manifests (vendors/).
 */
import type { AdapterName } from '../vendors';

export { ADAPTER_SIGNALS } from '../vendors';

/** The sandbox's name for an adapter's data (`none` sends nothing): the adapter name itself. */
export function sandboxVendorOf<Name extends AdapterName>(adapter: Name): Exclude<Name, 'none'> | null {
  return adapter === 'none' ? null : (adapter as Exclude<Name, 'none'>);
}
