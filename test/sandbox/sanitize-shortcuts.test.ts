/**
 * The sanitizer's shortcuts (sandbox/sanitize.ts) must never change what it keeps or counts: ids skip the
 * string cache, a frozen native bag seen unchanged is counted without a walk, long strings have their own
 * cache. Each is checked against a fresh sanitizer, which has seen nothing yet.
 */
import { describe, expect, it } from 'vitest';
import { RecordSanitizer } from '../../sandbox/sanitize';
import { span } from './records';

/** What a sanitizer that has seen nothing before keeps and counts. */
const fresh = (record: object) => new RecordSanitizer().sanitize(record);

describe('sanitizer shortcuts', () => {
  it('keeps ids as they are, but a credential under an id-looking value is still redacted', () => {
    const record = span('xray', '1-5f3c2a10-0123456789abcdef01234567', 'deadbeefcafe0001', {
      parentId: 'deadbeefcafe0000',
      attributes: { api_key: '0123456789abcdef', 'trace.id': 'abcdef0123456789abcdef0123456789' },
    });
    const sanitizer = new RecordSanitizer();
    const { record: kept, bytes } = sanitizer.sanitize(record);
    expect(kept.traceId).toBe(record.traceId);
    expect(kept.attributes).toEqual({ api_key: '[redacted]', 'trace.id': record.attributes['trace.id'] });
    expect(bytes).toBe(fresh(record).bytes);
    expect(bytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(kept)));
  });

  it('counts a frozen native bag once seen, and walks a bag that is not frozen every time', () => {
    const sanitizer = new RecordSanitizer();
    const resource = Object.freeze({ 'service.name': 'a', 'host.name': 'h' });
    const first = span('otlp', 't', '1', { native: { attributes: {}, resource } });
    const second = span('otlp', 't', '2', { native: { attributes: { k: 'v' }, resource } });
    for (const record of [first, second, first]) {
      const out = sanitizer.sanitize(record);
      expect(out.record.native.resource).toBe(resource);
      expect(out.bytes).toBe(fresh(record).bytes);
    }
    // A bag that can change is looked at again: a credential added after the first walk is redacted.
    const open: Record<string, unknown> = { 'service.name': 'a' };
    const record = span('otlp', 't', '3', { native: { resource: open } });
    sanitizer.sanitize(record);
    open.password = 'hunter2';
    expect(sanitizer.sanitize(record).record.native.resource).toEqual({
      'service.name': 'a',
      password: '[redacted]',
    });
    // A frozen bag with a credential in it is redacted on every record, never taken as clean.
    const secretResource = Object.freeze({ 'service.name': 'a', token: 'abc' });
    for (let i = 0; i < 2; i++) {
      const out = sanitizer.sanitize(span('otlp', 't', `s${i}`, { native: { resource: secretResource } }));
      expect(out.record.native.resource).toEqual({ 'service.name': 'a', token: '[redacted]' });
    }
  });

  it('redacts and counts a long repeated string the same from its cache as the first time', () => {
    const stack = `Error: boom url=https://user:hunter2@db.example/x\n${'    at handler (/srv/app.js:12:34)\n'.repeat(40)}`;
    expect(stack.length).toBeGreaterThan(256);
    const sanitizer = new RecordSanitizer();
    const record = span('otlp', 't', '1', { attributes: { 'exception.stacktrace': stack } });
    const once = sanitizer.sanitize(record);
    const twice = sanitizer.sanitize(
      span('otlp', 't', '2', { attributes: { 'exception.stacktrace': stack } }),
    );
    expect(once.record.attributes['exception.stacktrace']).toContain('https://user:[redacted]@db.example/x');
    expect(twice.record.attributes).toEqual(once.record.attributes);
    expect(twice.bytes).toBe(fresh(record).bytes);
  });
});
