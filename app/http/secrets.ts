/** Constant-time comparison for tokens, so response timing never reveals how much of a guess was right. */
import { createHash, timingSafeEqual } from 'node:crypto';

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Hashing first gives equal-length inputs, so the length of the secret doesn't leak either.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
