/**
 * What counts as a credential in the data the sandbox receives. Two rules, applied by sanitize.ts at every depth:
 * a value under a credential-named key is replaced whole, and credential patterns inside any text (query strings,
 * error messages, log lines, SQL, connection strings, auth headers) lose their secret part while the text around
 * them — and ordinary words that merely contain "secret" or "token" — stays readable.
 */

export const REDACTED = '[redacted]';

/**
 * Last words that name a credential (`db.password`, `x-service-token`, `set-cookie`, `clientSecret`). A
 * segment must *end* in one, so `user.secretary`, `oauth.credential_type`, `token_count` and `input_tokens`
 * stay readable.
 */
const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'cookie', 'authorization'];
/** Whole last words: a credential blob or a DSN (whose user part is the Sentry key). */
const SECRET_EXACT = new Set(['credential', 'credentials', 'dsn', 'apikey']);
/** Two-word endings: API-key headers and vendor key fields (`dd-api-key`, `x-honeycomb-team`, `sentry_key`). */
const SECRET_PAIRS = new Set([
  'api_key',
  'access_key',
  'secret_key',
  'private_key',
  'sentry_key',
  'sentry_auth',
  'honeycomb_team',
]);
/** Only inside text (`X-Amz-Signature=…` in a presigned URL, `Signature=` in a SigV4 header); as attribute
 * names they are ordinary (`code.function.signature`). */
const TEXT_ONLY_WORDS = new Set(['signature', 'sig']);

/** `apiKey` → `api_key`, `X-Service-Token` → `x_service_token`. */
function words(segment: string): string[] {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[-_\s]+/)
    .filter(Boolean);
}

function segmentIsSecret(segment: string, inText: boolean): boolean {
  const w = words(segment);
  const last = w[w.length - 1];
  if (last === undefined) return false;
  if (SECRET_EXACT.has(last) || SECRET_WORDS.some((word) => last.endsWith(word))) return true;
  if (w.length > 1 && SECRET_PAIRS.has(`${w[w.length - 2]}_${last}`)) return true;
  return inText && TEXT_ONLY_WORDS.has(last);
}

/**
 * True for keys whose value is a credential. Every dotted segment is checked, because flattened bags spell
 * `{password: {value: …}}` as `password.value` and both spellings must agree.
 */
export function isSecretKey(key: string, inText = false): boolean {
  if (key.length > 200) return false;
  const cache = inText ? textNames : keyNames;
  let secret = cache.get(key);
  if (secret === undefined) {
    secret = key.split('.').some((segment) => segmentIsSecret(segment, inText));
    // Attribute names repeat on every span; the cache is dropped whole when full, as names are few in practice.
    if (cache.size >= NAME_CACHE_SIZE) cache.clear();
    cache.set(key, secret);
  }
  return secret;
}

const NAME_CACHE_SIZE = 10_000;
const keyNames = new Map<string, boolean>();
const textNames = new Map<string, boolean>();

/** Schemes whose credential follows the scheme word in an Authorization value. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Digest|Negotiate|Token|AWS4-HMAC-SHA256)\s+/i;
/** Quoted values keep their quotes (SQL stays valid: `token='[redacted]'`); a bare one ends at whitespace or a
 * delimiter of URLs and lists. */
const QUOTED_SINGLE = /'(?:[^']|'')*'/y;
const QUOTED_DOUBLE = /"(?:[^"\\]|\\.)*"/y;
const BARE = /[^\s&;,"'<>(){}[\]]+/y;
/** `scheme://user:password@host` (the password), or `http(s)://key@host` (a Sentry DSN's key). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:@/?#]*)(?::([^\s/?#]*))?@(?=[^\s@])/gi;
/** A credential after an auth scheme anywhere in text ("Bearer abc…" in a log line); prose ("Basic
 * authentication") is told apart by `looksLikeCredential`. */
const BEARER = /\b(bearer)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)/gi;
const BASIC = /\b(Basic)(\s+)([A-Za-z0-9+/]{8,}={0,2})(?![\w-])/g;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const AWS_ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

/** SQL and template placeholders are not values: `token = $1` stays as it is. */
const PLACEHOLDER = /^(?:\$\d+|\?|:\w+|%s|@\w+|\[redacted\])$/;

const looksLikeCredential = (token: string): boolean =>
  /[\d\-._~+/=]/.test(token) || (token.length >= 16 && /[a-z]/.test(token) && /[A-Z]/.test(token));

/** Where the value that starts at `at` ends, and what replaces it (quotes and auth scheme kept); null if none. */
function valueAt(text: string, at: number): { end: number; replacement: string } | null {
  for (const [pattern, quote] of [
    [QUOTED_SINGLE, "'"],
    [QUOTED_DOUBLE, '"'],
  ] as const) {
    pattern.lastIndex = at;
    const quoted = pattern.exec(text);
    if (quoted) return { end: pattern.lastIndex, replacement: `${quote}${REDACTED}${quote}` };
  }
  const scheme = AUTH_SCHEME.exec(text.slice(at, at + 40));
  const start = at + (scheme ? scheme[0].length : 0);
  BARE.lastIndex = start;
  const bare = BARE.exec(text);
  if (!bare || PLACEHOLDER.test(bare[0])) return null;
  return { end: BARE.lastIndex, replacement: `${scheme ? scheme[0] : ''}${REDACTED}` };
}

const isNameChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
const isBlank = (c: number): boolean => c === 32 || c === 9;
const MAX_NAME = 80;

/**
 * The name before the separator at `at` in `name=value`, `name = 'value'`, `"name": "value"` or `Name: value`,
 * with its quote; null when there is none. Read backwards from the separator, so the scan stays linear.
 */
function nameBefore(text: string, at: number): { name: string; quote: string } | null {
  let end = at;
  while (end > 0 && isBlank(text.charCodeAt(end - 1))) end--;
  let quote = '';
  if (end > 0 && (text[end - 1] === '"' || text[end - 1] === "'")) quote = text[--end];
  let start = end;
  while (start > 0 && end - start < MAX_NAME && isNameChar(text.charCodeAt(start - 1))) start--;
  if (start === end || !/[A-Za-z_]/.test(text[start])) return null;
  if (quote !== '' && text[start - 1] !== quote) return null;
  return { name: text.slice(start, end), quote };
}

/** Every `name=value` (and header-like `Name: value`) whose name is a credential's loses its value. */
function redactAssignments(text: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 61 && c !== 58) continue; // '=' or ':'
    const named = nameBefore(text, i);
    if (!named || !isSecretKey(named.name, true)) continue;
    // `Name: value` is a header only when the name looks like one; prose like "password: too short" stays.
    const headerLike =
      named.quote !== '' || named.name.includes('-') || /^(authorization|cookie)$/i.test(named.name);
    if (c === 58 && !headerLike) continue;
    let at = i + 1;
    if (c === 61 && text.charCodeAt(at) === 61) at++; // `==`
    while (at < text.length && isBlank(text.charCodeAt(at))) at++;
    const value = valueAt(text, at);
    if (!value) continue;
    out += text.slice(copied, at) + value.replacement;
    copied = value.end;
    i = value.end - 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function redactUserinfo(match: string, scheme: string, user: string, password: string | undefined): string {
  if (password !== undefined && password !== '') return `${scheme}${user}:${REDACTED}@`;
  // A user part alone in an http(s) URL is a key (Sentry's DSN); elsewhere (ssh://git@…) it is a login name.
  if (user !== '' && /^https?:\/\/$/i.test(scheme)) return `${scheme}${REDACTED}@`;
  return match;
}

const redactSchemeToken = (match: string, scheme: string, space: string, token: string): string =>
  looksLikeCredential(token) ? `${scheme}${space}${REDACTED}` : match;

/** One scan that rules out most strings (names, routes, ids) before any rule runs. */
const COULD_HOLD_CREDENTIAL = /[=:@]|earer|EARER|Basic|eyJ|AKIA|ASIA|-----BEGIN/;

/**
 * `text` with every credential pattern's secret part replaced by `[redacted]`. Each rule first checks, with a
 * plain substring search, that its pattern could occur at all: this runs on every string the sandbox keeps.
 */
export function redactText(text: string): string {
  if (!COULD_HOLD_CREDENTIAL.test(text)) return text;
  let out = text;
  if (out.includes('-----BEGIN')) out = out.replace(PRIVATE_KEY, REDACTED);
  if (out.includes('eyJ')) out = out.replace(JWT, REDACTED);
  if (out.includes('://') && out.includes('@')) out = out.replace(URL_USERINFO, redactUserinfo);
  if (out.includes('=') || out.includes(':')) out = redactAssignments(out);
  if (out.includes('earer') || out.includes('EARER')) out = out.replace(BEARER, redactSchemeToken);
  if (out.includes('Basic')) out = out.replace(BASIC, redactSchemeToken);
  if (out.includes('AKIA') || out.includes('ASIA')) out = out.replace(AWS_ACCESS_KEY_ID, REDACTED);
  return out;
}
