/**
 * What `GET /api/vendor-manifest` serves: each sandbox vendor's label and signals from its vendor manifest
 * (vendors/), so the UI and other clients name vendors as the manifests do instead of keeping their own list.
 */
import { VENDORS } from '../vendors';
import { SANDBOX_VENDORS, type SandboxVendor } from './model';

export interface VendorManifestEntry {
  vendor: SandboxVendor;
  label: string;
  signals: readonly string[];
  /** The repository's guide for the vendor. */
  docs: string | null;
}

export const VENDOR_MANIFEST: readonly VendorManifestEntry[] = SANDBOX_VENDORS.map((vendor) => ({
  vendor,
  label: VENDORS[vendor].label,
  signals: VENDORS[vendor].signals,
  docs: VENDORS[vendor].docs,
}));
