/** Constant-time comparison for tokens, so response timing never reveals how much of a guess was right. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * A checker for one secret. Both sides are hashed first, so they have equal length and the secret's length
 * doesn't leak either; the secret's own digest is computed once, not on every request.
 */
export function tokenChecker(expected: string): (given: string | undefined) => boolean {
  const want = digest(expected);
  return (given) => given !== undefined && timingSafeEqual(digest(given), want);
}
