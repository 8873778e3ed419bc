/**
 * The bench's arms: `bare` (Express without our facade), `none` (our services, no vendor) and one arm per
 * vendor adapter the registry can build. Vendors come from the registry, so the bench picks up adapters as
 * they land and skips the missing ones with a reason.
 */
import { execFileSync } from 'node:child_process';
import { ADAPTER_NAMES } from '../../adapters/types';
import { distFile } from './paths';

export const BASELINE_ARMS = ['bare', 'none'] as const;
export const VENDOR_ARMS = ADAPTER_NAMES.filter((name) => name !== 'none');
export const ALL_ARMS: readonly string[] = [...BASELINE_ARMS, ...VENDOR_ARMS];

export interface SkippedArm {
  name: string;
  reason: string;
}

export interface ArmSelection {
  arms: string[];
  skipped: SkippedArm[];
}

/** Vendor adapters the built registry can create, probed in a child process. */
export function probeAdapters(): { available: string[]; missing: SkippedArm[] } {
  const output = execFileSync(process.execPath, [distFile('harness/bench/probe-adapters.js')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, OBSERVABILITY: 'none' },
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '{}');
}

/**
 * The arms to run, in canonical order. `requested` (from `--arms`) must name known arms; a known vendor whose
 * adapter isn't in this build is skipped with the registry's reason.
 */
export function selectArms(requested: readonly string[] | undefined, probe = probeAdapters()): ArmSelection {
  const wanted = requested ?? ALL_ARMS;
  const unknown = wanted.filter((name) => !ALL_ARMS.includes(name));
  if (unknown.length > 0) {
    throw new Error(`unknown arm ${unknown.join(', ')}; arms are ${ALL_ARMS.join(', ')}`);
  }
  const arms: string[] = [];
  const skipped: SkippedArm[] = [];
  for (const name of ALL_ARMS) {
    if (!wanted.includes(name)) continue;
    if ((BASELINE_ARMS as readonly string[]).includes(name) || probe.available.includes(name)) {
      arms.push(name);
      continue;
    }
    const reason = probe.missing.find((m) => m.name === name)?.reason ?? 'not in the adapter registry';
    skipped.push({ name, reason });
  }
  return { arms, skipped };
}
