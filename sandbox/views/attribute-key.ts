/**
 * "attribute = value" across vendors. The model's flattened `attributes` hold every vendor's keys, but each
 * vendor spells them its own way, and a user types them as their vendor's console does:
 * - `app.user_handle` also finds X-Ray's `app_user_handle` (annotation keys allow only letters, digits and `_`);
 * - `annotation.app_user_handle` is the X-Ray console's filter-expression name: it reads the annotations bag;
 * - `@app.user_handle` is Datadog's facet syntax.
 */

/** The keys to try, in order, for what the user typed. */
export function keySpellings(typed: string): { bag: 'annotations' | null; keys: string[] } {
  let key = typed.startsWith('@') ? typed.slice(1) : typed;
  let bag: 'annotations' | null = null;
  if (key.startsWith('annotation.')) {
    key = key.slice('annotation.'.length);
    bag = 'annotations';
  }
  const xray = key.replace(/[^A-Za-z0-9_]/g, '_');
  return { bag, keys: xray === key ? [key] : [key, xray] };
}

/** Whether a value as stored equals what the user typed (numbers and booleans as they print). */
export function valueMatches(stored: unknown, typed: string): boolean {
  if (stored === null || stored === undefined) return false;
  if (typeof stored === 'object') return JSON.stringify(stored) === typed;
  return String(stored) === typed;
}

export interface Matcher {
  (record: {
    attributes: Record<string, unknown>;
    native?: Record<string, Record<string, unknown>>;
  }): boolean;
}

/** A predicate for one `key = value` over a record's flattened attributes (or its X-Ray annotations bag). */
export function attributeMatcher(typedKey: string, typedValue: string): Matcher {
  const { bag, keys } = keySpellings(typedKey);
  return (record) => {
    const source = bag ? record.native?.[bag] : record.attributes;
    if (!source) return false;
    for (const key of keys) if (key in source && valueMatches(source[key], typedValue)) return true;
    return false;
  };
}
