/** Option values shared by the commands: one rule, one message, for every whole-number flag. */
import { BakeoffError } from '../config/errors';

/** `--name` as an integer ≥ `min` (and ≤ `max`); undefined when the flag was not given. */
export function integerFlag(
  name: string,
  raw: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new BakeoffError('BAKEOFF_ERR_USAGE', `--${name} must be an integer ${range} (got "${raw}")`);
  }
  return value;
}
