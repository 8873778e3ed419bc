import { describe, expect, it } from 'vitest';
import { isSecretKey, redactText } from '../../sandbox/redact';
import { RecordSanitizer } from '../../sandbox/sanitize';

describe('credential names', () => {
  it('redacts exact credential names, not words that merely contain one', () => {
    for (const key of [
      'password',
      'db.password',
      'http.request.header.authorization',
      'http.request.header.cookie',
      'http.request.header.x-service-token',
      'set-cookie',
      'x-honeycomb-team',
      'dd-api-key',
      'apiKey',
      'clientSecret',
      'sentry_key',
      'aws.credentials',
      'sentry.dsn',
      'password.value',
    ])
      expect(isSecretKey(key), key).toBe(true);
    for (const key of [
      'user.secretary',
      'code.function.signature',
      'oauth.credential_type',
      'gen_ai.usage.input_tokens',
      'token_count',
      'db.primary_key',
      'search.tokenizer',
      'http.route',
    ])
      expect(isSecretKey(key), key).toBe(false);
  });
});

describe('credentials inside text', () => {
  it.each([
    ["SELECT * FROM s WHERE token='abc123'", "SELECT * FROM s WHERE token='[redacted]'"],
    [
      "UPDATE u SET password = 'it''s me' WHERE id = $1",
      "UPDATE u SET password = '[redacted]' WHERE id = $1",
    ],
    ['login failed: password=hunter2 token=t0k', 'login failed: password=[redacted] token=[redacted]'],
    ['GET /x?sentry_key=k1&a=1', 'GET /x?sentry_key=[redacted]&a=1'],
    ['{"password":"pw","user":"ada"}', '{"password":"[redacted]","user":"ada"}'],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['sent bearer 0123456789abcdef', 'sent bearer [redacted]'],
    ['x-api-key: k-123', 'x-api-key: [redacted]'],
    ['got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-123 back', 'got [redacted] back'],
    ['key -----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY----- end', 'key [redacted] end'],
    ['id AKIAIOSFODNN7EXAMPLE used', 'id [redacted] used'],
    ['postgresql://bakeoff:pw@db:5432/bakeoff', 'postgresql://bakeoff:[redacted]@db:5432/bakeoff'],
    ['postgres://u:p@ss@db/x', 'postgres://u:[redacted]@db/x'],
    ['https://f00dfeed@o1.ingest.sentry.io/1', 'https://[redacted]@o1.ingest.sentry.io/1'],
    [
      'https://s3/k?X-Amz-Signature=abc123&X-Amz-Date=1',
      'https://s3/k?X-Amz-Signature=[redacted]&X-Amz-Date=1',
    ],
    [
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2026/us-east-1/logs/aws4_request, Signature=ff00',
      'AWS4-HMAC-SHA256 Credential=[redacted], Signature=[redacted]',
    ],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
    expect(redactText(expected), 'redacting twice changes nothing').toBe(expected);
  });

  it.each([
    'SELECT * FROM sessions WHERE token = $1',
    'the token expired, please sign in again',
    'password must be at least 12 characters',
    'password: too short',
    'Basic authentication is disabled for this route',
    'a bearer bond',
    'ssh://git@github.com/org/repo',
    'https://example.com/search?page=2&sort=asc',
    'ada@example.com',
  ])('leaves "%s" as it is', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('record bounds', () => {
  const sanitizer = new RecordSanitizer({ maxValueBytes: 1000, maxDepth: 8 });

  it('truncates a long value with a marker giving its original size, and is a fixed point', () => {
    const { record } = sanitizer.sanitize({ attributes: { blob: 'x'.repeat(5000) }, native: {} });
    const blob = record.attributes.blob as string;
    expect(blob.length).toBeLessThanOrEqual(1000);
    expect(blob).toMatch(/^x+… \[truncated: 5000 bytes\]$/);
    expect(sanitizer.sanitize(record).record).toEqual(record);
  });

  it('cuts containers nested past the depth limit, and a 20 000-level value serializes', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    const { record } = sanitizer.sanitize({ attributes: { deep }, native: { extra: { deep } } });
    const text = JSON.stringify(record);
    expect(text).toContain('[truncated: nested deeper than 8 levels]');
    expect(text.length).toBeLessThan(2000);
    expect(sanitizer.sanitize(record).record).toEqual(record);
  });

  it('keeps a large value once: its copy in a native bag points at the attribute', () => {
    const more = 'y'.repeat(10_000);
    const { record, bytes } = new RecordSanitizer().sanitize({
      attributes: { big: more, small: 's' },
      native: { extra: { big: more, small: 's' } },
    });
    expect(record.attributes.big).toBe(more);
    expect(record.native.extra).toEqual({ big: '[stored once: see attributes["big"]]', small: 's' });
    expect(JSON.stringify(record).split(more).length - 1).toBe(1);
    expect(bytes).toBeLessThan(more.length * 2);
  });
});
