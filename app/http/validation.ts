/** Request validation with messages a person can act on. */
import { z } from 'zod';
import { HttpError } from './errors';

export const HANDLE = z
  .string({ error: 'handle is required' })
  .regex(/^[a-z0-9_]{1,32}$/, 'handle must be 1–32 lower-case letters, digits or underscores');

/** Half of a UTF-16 surrogate pair without its other half: JSON's `\ud800` escape can carry one. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Text that shows nothing: whitespace and characters meant to be invisible (zero-width space, joiners, BOM, …). */
const NOTHING_VISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

export const MESSAGE = z
  .string({ error: 'message is required' })
  .trim()
  // A lone surrogate is not text: it cannot be stored or shown as written (UTF-8 has no encoding for it).
  .refine(
    (s) => !UNPAIRED_SURROGATE.test(s),
    'message must be valid Unicode text (it has an unpaired surrogate)',
  )
  // Checked, not stripped: joiners inside emoji sequences are meaningful, but a message of only them is empty.
  .refine((s) => !NOTHING_VISIBLE.test(s), 'message must not be empty (or only invisible characters)')
  .max(280, 'message must be at most 280 characters');

/** The bootcamp app's TTL choices, plus plain seconds. */
export const TTL_CHOICES: Record<string, number> = {
  '30-days': 30 * 86_400,
  '7-days': 7 * 86_400,
  '3-days': 3 * 86_400,
  '1-day': 86_400,
  '12-hours': 12 * 3600,
  '3-hours': 3 * 3600,
  '1-hour': 3600,
};

export const TTL = z.union(
  [
    z.enum(Object.keys(TTL_CHOICES) as [string, ...string[]]),
    z
      .number()
      .int()
      .min(60)
      .max(365 * 86_400),
  ],
  { error: `ttl must be one of ${Object.keys(TTL_CHOICES).join(', ')}, or 60–31536000 seconds` },
);

export const UUID = z.uuid({ error: 'not a valid activity uuid' });

export const createActivityBody = z
  .object({ handle: HANDLE, message: MESSAGE, ttl: TTL.optional() })
  .strict();
export const replyBody = z.object({ handle: HANDLE, message: MESSAGE }).strict();

export function ttlSeconds(ttl: string | number | undefined): number | null {
  if (ttl === undefined) return null;
  return typeof ttl === 'number' ? ttl : TTL_CHOICES[ttl];
}

export const SEARCH_QUERY = z.object({
  term: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
});

/**
 * The search query's term, as `SEARCH_QUERY` parses it. A good term is checked by hand: the search is the
 * bench's light route, where a schema run is a measurable share of the request (docs/performance.md). Only a
 * bad one goes through the schema, which words the 400 as always.
 */
export function searchTerm(query: unknown): string {
  const term = (query as { term?: unknown } | undefined)?.term;
  if (typeof term === 'string') {
    const trimmed = term.trim();
    if (trimmed.length >= 1 && trimmed.length <= 100) return trimmed;
  }
  return validate(SEARCH_QUERY, query, 'search').term;
}

/** Parses `value` or throws a 400 whose message names every problem. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}is required`;
    return `${where}${issue.message}`;
  });
  throw new HttpError(400, `Invalid ${what}: ${problems.join('; ')}`);
}
