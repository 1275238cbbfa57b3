import { describe, expect, it } from 'vitest';
import { eventSchema, MAX_TAGS } from './event-schema.js';
import {
  acceptedEventId,
  isSlowTransaction,
  SLOW_TRANSACTION_MS,
  sentryEventPayload,
} from './sentry-event.js';

const long = (n: number, c = 'x') => c.repeat(n);
const invalid = (val: unknown) => ({ '': { err: [['invalid_data', { reason: expect.any(String) }]], val } });

describe('sentryEventPayload', () => {
  it('takes a valid event as it is: no copy, no _meta', () => {
    const raw = { message: 'ok', tags: { url: long(200) }, environment: long(64) };
    expect(sentryEventPayload(raw)).toBe(raw);
    expect(raw).not.toHaveProperty('_meta');
  });

  it("keeps an event with the user's examples of bad fields, and records each change in _meta", () => {
    const url = `https://shop.example/cart?${long(250, 'q')}`;
    const payload = sentryEventPayload({
      message: 'Checkout failed',
      tags: { url, browser: 'Firefox' },
      transaction: long(230, 't'),
      environment: long(70, 'e'),
      exception: {
        values: [
          {
            type: 'Error',
            stacktrace: {
              frames: [
                { function: 'a', lineno: -1, colno: 2.5 },
                { function: 'b', lineno: 7 },
              ],
            },
          },
        ],
      },
    }) as Record<string, unknown>;

    expect(payload).toMatchObject({
      message: 'Checkout failed',
      tags: { browser: 'Firefox' },
      transaction: `${long(197, 't')}...`,
      exception: {
        values: [
          { type: 'Error', stacktrace: { frames: [{ function: 'a' }, { function: 'b', lineno: 7 }] } },
        ],
      },
    });
    expect(payload).not.toHaveProperty('environment');
    expect(payload['tags']).not.toHaveProperty('url');
    expect(JSON.parse(JSON.stringify(payload['_meta']))).toEqual({
      tags: { url: invalid(url) },
      transaction: { '': { rem: [['!limit', 's', 197, 200]], len: 230 } },
      environment: invalid(long(70, 'e')),
      exception: {
        values: { 0: { stacktrace: { frames: { 0: { lineno: invalid(-1), colno: invalid(2.5) } } } } },
      },
    });
  });

  it('trims over-long text and drops over-long identifiers, wherever they sit, and keeps the rest', () => {
    const frame = { filename: 'cart.js', function: long(300, 'f'), platform: long(65, 'p'), lineno: 3 };
    const payload = sentryEventPayload({
      message: 'Checkout failed',
      server_name: long(300, 'h'),
      user: { id: 'user-7', email: `${long(80, 'e')}@shop.test` },
      request: { method: 'GET', url: `https://shop.test/${long(2100, 'u')}` },
      sdk: { name: 'sentry.javascript.node', version: long(257, 'v') },
      exception: [{ type: 'CheckoutError', value: long(9000, 'v'), stacktrace: { frames: [frame] } }],
      stacktrace: { frames: [{ function: 'main' }, { abs_path: long(1025, 'a') }] },
    }) as Record<string, unknown>;

    expect(eventSchema.safeParse(payload).success).toBe(true);
    expect(payload).toMatchObject({
      message: 'Checkout failed',
      user: { id: 'user-7' },
      request: { method: 'GET', url: `https://shop.test/${long(2027, 'u')}...` },
      sdk: { name: 'sentry.javascript.node' },
      exception: [
        {
          type: 'CheckoutError',
          value: `${long(8189, 'v')}...`,
          stacktrace: { frames: [{ filename: 'cart.js', function: `${long(253, 'f')}...`, lineno: 3 }] },
        },
      ],
      stacktrace: { frames: [{ function: 'main' }, { abs_path: `${long(1021, 'a')}...` }] },
    });
    expect(payload).not.toHaveProperty('server_name');
    expect(payload['user']).not.toHaveProperty('email');
    expect(payload['sdk']).not.toHaveProperty('version');
    expect(JSON.stringify(payload['exception'])).not.toContain('"platform"');

    const cut = (max: number, len: number) => ({ '': { rem: [['!limit', 's', max - 3, max]], len } });
    expect(JSON.parse(JSON.stringify(payload['_meta']))).toEqual({
      server_name: invalid(long(300, 'h')),
      user: { email: invalid(`${long(80, 'e')}@shop.test`) },
      request: { url: cut(2048, 2118) },
      sdk: { version: invalid(long(257, 'v')) },
      exception: {
        0: {
          value: cut(8192, 9000),
          stacktrace: { frames: { 0: { function: cut(256, 300), platform: invalid(long(65, 'p')) } } },
        },
      },
      stacktrace: { frames: { 1: { abs_path: cut(1024, 1025) } } },
    });
  });

  it('drops bad list items, a bad fingerprint whole, and tags past the limit', () => {
    const tags = Object.fromEntries(Array.from({ length: MAX_TAGS + 5 }, (_, i) => [`t${i}`, 'v']));
    const payload = sentryEventPayload({
      tags: { ...tags, bad: { nested: true } },
      fingerprint: ['{{ default }}', { not: 'a string' }],
      exception: {
        values: ['not an exception', { type: 'E', stacktrace: { frames: [5, { function: 'f' }] } }],
      },
    }) as Record<string, unknown>;
    expect(Object.keys(payload['tags'] as object)).toHaveLength(MAX_TAGS);
    expect(payload).not.toHaveProperty('fingerprint');
    expect(payload['exception']).toEqual({
      values: [{ type: 'E', stacktrace: { frames: [{ function: 'f' }] } }],
    });
    const meta = JSON.parse(JSON.stringify(payload['_meta']));
    expect(meta.tags['']).toEqual({ len: MAX_TAGS + 5 });
    expect(meta.tags.bad).toEqual(invalid({ nested: true }));
    expect(meta.exception.values[0]).toEqual(invalid('not an exception'));
    expect(meta.exception.values[1].stacktrace.frames[0]).toEqual(invalid(5));
  });

  it('drops a bad tag of the list form whole, key and value together', () => {
    const payload = sentryEventPayload({
      tags: [
        ['os', 'linux'],
        [long(201, 'k'), 'v'],
      ],
    }) as Record<string, unknown>;
    expect(payload['tags']).toEqual([['os', 'linux']]);
    expect(JSON.parse(JSON.stringify(payload['_meta']))).toEqual({
      tags: { 1: invalid([long(201, 'k'), 'v']) },
    });
  });

  it('keeps only the length of a long dropped value, and adds to a _meta the event has', () => {
    const payload = sentryEventPayload({
      release: long(600),
      _meta: { user: { '': { err: ['from upstream'] } } },
    }) as Record<string, unknown>;
    expect(payload).not.toHaveProperty('release');
    expect(payload['_meta']).toEqual({
      user: { '': { err: ['from upstream'] } },
      release: { '': { err: [['invalid_data', { reason: expect.any(String) }]], len: 600 } },
    });
  });

  it('drops an unreadable level, time or id, so the defaults apply', () => {
    const payload = sentryEventPayload({ level: 'loud', timestamp: 'last tuesday', event_id: 'nope' });
    expect(eventSchema.safeParse(payload).success).toBe(true);
    expect(payload).not.toHaveProperty('level');
    expect(payload).not.toHaveProperty('timestamp');
    expect(payload).not.toHaveProperty('event_id');
  });
});

describe('isSlowTransaction', () => {
  const at = (start: number | string, end: number | string) => ({
    type: 'transaction',
    start_timestamp: start,
    timestamp: end,
  });

  it(`is slow past ${SLOW_TRANSACTION_MS} ms, from epoch seconds or ISO times`, () => {
    expect(isSlowTransaction(at(1000, 1000.01))).toBe(false);
    expect(isSlowTransaction(at(1000, 1000 + SLOW_TRANSACTION_MS / 1000))).toBe(false);
    expect(isSlowTransaction(at(1000, 1001.3))).toBe(true);
    expect(isSlowTransaction(at('2026-03-01T12:00:00Z', '2026-03-01T12:00:02.5Z'))).toBe(true);
    expect(isSlowTransaction(at(1000, 1001.3), 2000)).toBe(false);
  });

  it('is not slow without a readable start and end', () => {
    expect(isSlowTransaction({ type: 'transaction', timestamp: 1000 })).toBe(false);
    expect(isSlowTransaction(at('yesterday', 5000))).toBe(false);
  });
});

describe('acceptedEventId', () => {
  it("answers the sender's id, without dashes, or a new one", () => {
    expect(acceptedEventId({ event_id: '9EC79C33-EC99-42AB-8353-589FCB2E04DC' })).toBe(
      '9ec79c33ec9942ab8353589fcb2e04dc',
    );
    expect(acceptedEventId({ event_id: 'nope' })).toMatch(/^[0-9a-f]{32}$/);
  });
});
