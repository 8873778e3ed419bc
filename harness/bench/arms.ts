/**
 * The bench's arms: `bare` (Express without our facade), `none` (our services, no vendor) and one arm per
 * vendor manifest. The registry has a loader for every manifest (checked at compile time), so every vendor arm
 * can run: nothing is probed or skipped.
 */
import { VENDOR_NAMES } from '../../vendors';

export const BASELINE_ARMS = ['bare', 'none'] as const;
export const VENDOR_ARMS: readonly string[] = VENDOR_NAMES;
export const ALL_ARMS: readonly string[] = [...BASELINE_ARMS, ...VENDOR_ARMS];

export interface SkippedArm {
  name: string;
  reason: string;
}

export interface ArmSelection {
  arms: string[];
  skipped: SkippedArm[];
}

/**
 * The arms to run, in canonical order. `requested` (from `--arms`) must name known arms. `skipped` stays in the
 * report's shape, and is empty: every manifest has its adapter.
 */
export function selectArms(requested: readonly string[] | undefined): ArmSelection {
  const wanted = requested ?? ALL_ARMS;
  const unknown = wanted.filter((name) => !ALL_ARMS.includes(name));
  if (unknown.length > 0) {
    throw new Error(`unknown arm ${unknown.join(', ')}; arms are ${ALL_ARMS.join(', ')}`);
  }
  return { arms: ALL_ARMS.filter((name) => wanted.includes(name)), skipped: [] };
}
