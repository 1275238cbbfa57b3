import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody, parseEnvelope, sentryKeyOf } from './envelope.js';

describe('envelope', () => {
  it('reads items with a length (payload may hold newlines) and items up to the next newline', () => {
    const attachment = 'line one\nline two';
    const body = [
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://k@h/1"}',
      `{"type":"attachment","length":${Buffer.byteLength(attachment)},"filename":"a.txt"}`,
      attachment,
      '{"type":"event"}',
      '{"message":"héllo"}',
      '',
      '{"type":"session","length":2}',
      '{}',
    ].join('\n');
    const envelope = parseEnvelope(Buffer.from(body));
    expect(envelope.header['event_id']).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(envelope.items.map((i) => i.type)).toEqual(['attachment', 'event', 'session']);
    expect(envelope.items[0]?.payload.toString()).toBe(attachment);
    expect(JSON.parse(envelope.items[1]?.payload.toString() ?? '')).toEqual({ message: 'héllo' });
    expect(envelope.items[2]?.payload.toString()).toBe('{}');
  });

  it('accepts an envelope that is only a header, and refuses broken ones', () => {
    expect(parseEnvelope(Buffer.from('{}')).items).toEqual([]);
    expect(() => parseEnvelope(Buffer.from('not json\n'))).toThrow(/envelope header is not valid JSON/);
    expect(() => parseEnvelope(Buffer.from('{}\n{"length":2}\n{}'))).toThrow(/no type/);
    expect(() => parseEnvelope(Buffer.from('{}\n{"type":"event","length":50}\n{}'))).toThrow(/shorter/);
  });

  it('decompresses gzip within the body limit and refuses what expands past it', () => {
    const text = Buffer.from('x'.repeat(5000));
    expect(decodeBody(gzipSync(text), 'gzip', 10_000).equals(text)).toBe(true);
    expect(() => decodeBody(gzipSync(text), 'gzip', 1000)).toThrow(/too large/);
    expect(() => decodeBody(Buffer.from('plain'), 'gzip', 1000)).toThrow(/not valid gzip/);
  });

  it('finds the DSN key in X-Sentry-Auth or the query string', () => {
    const auth = 'Sentry sentry_version=7, sentry_client=sentry.javascript.node/11.0.0, sentry_key=abc123';
    expect(sentryKeyOf({ 'x-sentry-auth': auth }, {})).toBe('abc123');
    expect(sentryKeyOf({}, { sentry_key: 'q1', sentry_version: '7' })).toBe('q1');
    expect(sentryKeyOf({ authorization: 'Bearer nope' }, {})).toBeNull();
  });
});
