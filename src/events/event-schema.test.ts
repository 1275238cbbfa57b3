import { describe, expect, it } from 'vitest';
import { eventSchema, isPlainEvent, MAX_FRAMES, normalizeEvent, TEXT_LIMITS } from './event-schema.js';

const RECEIVED = Date.parse('2026-03-01T12:00:00Z');

function problems(payload: unknown): string[] {
  const result = eventSchema.safeParse(payload);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

function normalized(payload: unknown) {
  return normalizeEvent(eventSchema.parse(payload), RECEIVED);
}

describe('event schema', () => {
  it.each([
    [{ event_id: 'not-hex' }, 'event_id'],
    [{ timestamp: 'last tuesday' }, 'timestamp'],
    [{ timestamp: true }, 'timestamp'],
    [{ level: 'loud' }, 'level'],
    [{ message: 42 }, 'message'],
    [{ logentry: { formatted: 1 } }, 'logentry.formatted'],
    [{ platform: ['node'] }, 'platform'],
    [{ environment: 'x'.repeat(65) }, 'environment'],
    [{ release: 7 }, 'release'],
    [{ type: {} }, 'type'],
    [{ tags: 'a=b' }, 'tags'],
    [{ tags: { os: { name: 'x' } } }, 'tags.os'],
    [{ tags: { ['k'.repeat(201)]: 'v' } }, `tags.${'k'.repeat(201)}`],
    [{ tags: { browser: 'v'.repeat(201) } }, 'tags.browser'],
    [{ tags: [['a', 'b'], ['c']] }, 'tags.1'],
    [{ tags: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`t${i}`, 'v'])) }, 'tags'],
    [{ user: { email: 5 } }, 'user.email'],
    [{ exception: { values: [{ type: 1 }] } }, 'exception.values.0.type'],
    [{ exception: { values: [{ mechanism: { handled: 'no' } }] } }, 'exception.values.0.mechanism.handled'],
    [
      { exception: { values: [{ stacktrace: { frames: [{}, {}, {}, { lineno: 'ten' }] } }] } },
      'exception.values.0.stacktrace.frames.3.lineno',
    ],
    [
      { exception: [{ stacktrace: { frames: [{ in_app: 'yes' }] } }] },
      'exception.0.stacktrace.frames.0.in_app',
    ],
    [{ request: { url: false } }, 'request.url'],
    [{ extra: [] }, 'extra'],
    [{ contexts: 'os' }, 'contexts'],
    [{ sdk: { name: 3 } }, 'sdk.name'],
    [{ fingerprint: 'abc' }, 'fingerprint'],
    [{ fingerprint: [{}] }, 'fingerprint.0'],
    [{ server_name: 'h'.repeat(257) }, 'server_name'],
    [{ dist: 'd'.repeat(65) }, 'dist'],
    [{ culprit: 'c'.repeat(201) }, 'culprit'],
    [{ user: { id: 'i'.repeat(129) } }, 'user.id'],
    [{ user: { email: `${'e'.repeat(70)}@x.test` } }, 'user.email'],
    [{ request: { url: `https://shop.test/${'p'.repeat(2040)}` } }, 'request.url'],
    [{ sdk: { version: 'v'.repeat(257) } }, 'sdk.version'],
    [{ exception: { values: [{ value: 'v'.repeat(8193) }] } }, 'exception.values.0.value'],
    [
      { exception: { values: [{ mechanism: { type: 'm'.repeat(129) } }] } },
      'exception.values.0.mechanism.type',
    ],
    [
      { exception: [{ stacktrace: { frames: [{ function: 'f'.repeat(257) }] } }] },
      'exception.0.stacktrace.frames.0.function',
    ],
    [{ stacktrace: { frames: [{}, { abs_path: 'a'.repeat(1025) }] } }, 'stacktrace.frames.1.abs_path'],
    [{ fingerprint: ['{{ default }}', 'p'.repeat(1025)] }, 'fingerprint.1'],
  ])('names the bad field (%#)', (payload, path) => {
    expect(problems(payload)).toEqual([path]);
  });

  it('takes every bounded field at its limit, in the schema and in the written-out check alike', () => {
    const at = (field: keyof typeof TEXT_LIMITS) => 'x'.repeat(TEXT_LIMITS[field]);
    const frame = {
      filename: at('frame.filename'),
      abs_path: at('frame.abs_path'),
      function: at('frame.function'),
      module: at('frame.module'),
      context_line: at('frame.context_line'),
      platform: at('frame.platform'),
    };
    const event = {
      logger: at('logger'),
      platform: at('platform'),
      environment: at('environment'),
      release: at('release'),
      dist: at('dist'),
      server_name: at('server_name'),
      transaction: at('transaction'),
      culprit: at('culprit'),
      type: at('type'),
      user: {
        id: at('user.id'),
        email: at('user.email'),
        username: at('user.username'),
        ip_address: at('user.ip_address'),
      },
      request: { method: at('request.method'), url: at('request.url') },
      sdk: { name: at('sdk.name'), version: at('sdk.version') },
      exception: {
        values: [
          {
            type: at('exception.type'),
            value: at('exception.value'),
            module: at('exception.module'),
            thread_id: at('exception.thread_id'),
            mechanism: { type: at('mechanism.type') },
            stacktrace: { frames: [frame] },
          },
        ],
      },
      stacktrace: { frames: [frame] },
      fingerprint: [at('fingerprint.part')],
    };
    expect(problems(event)).toEqual([]);
    expect(isPlainEvent(event)).toBe(true);
  });

  it('keeps unknown fields, at the top and deep inside', () => {
    const event = normalized({
      message: 'x',
      breadcrumbs: { values: [{ message: 'clicked' }] },
      exception: {
        values: [{ type: 'E', custom: 1, stacktrace: { frames: [{ function: 'f', vars: { a: 1 } }] } }],
      },
    });
    expect(event.raw['breadcrumbs']).toEqual({ values: [{ message: 'clicked' }] });
    expect(event.exception?.values[0]?.['custom']).toBe(1);
    expect(event.exception?.values[0]?.stacktrace?.frames[0]?.['vars']).toEqual({ a: 1 });
  });

  it('reads ISO times (with or without a zone) and epoch seconds', () => {
    expect(normalized({ timestamp: '2026-03-01T11:59:00Z' }).timestamp).toBe(RECEIVED - 60_000);
    expect(normalized({ timestamp: '2026-03-01T11:59:00' }).timestamp).toBe(RECEIVED - 60_000);
    expect(normalized({ timestamp: '2026-03-01T12:59:00+01:00' }).timestamp).toBe(RECEIVED - 60_000);
    expect(normalized({ timestamp: RECEIVED / 1000 - 1.5 }).timestamp).toBe(RECEIVED - 1500);
    expect(normalized({}).timestamp).toBe(RECEIVED);
    // A clock running an hour fast is corrected to arrival, as Sentry does.
    expect(normalized({ timestamp: RECEIVED / 1000 + 3600 }).timestamp).toBe(RECEIVED);
  });

  it('takes tags as an object or as pairs, and adds the tags Sentry derives', () => {
    const fromObject = normalized({ tags: { browser: 'Chrome', count: 3, gone: null }, level: 'warn' });
    expect(fromObject.tags).toEqual([
      ['browser', 'Chrome'],
      ['count', '3'],
      ['level', 'warning'],
    ]);
    const fromPairs = normalized({
      tags: [
        ['browser', 'Chrome'],
        ['browser', 'Firefox'],
      ],
      environment: 'prod',
      release: '1.0',
      user: { id: 42 },
      request: { url: 'https://shop.test/cart?id=1' },
    });
    expect(fromPairs.tags).toEqual([
      ['browser', 'Chrome'],
      ['browser', 'Firefox'],
      ['level', 'error'],
      ['environment', 'prod'],
      ['sentry:release', '1.0'],
      ['sentry:user', 'id:42'],
      ['url', 'https://shop.test/cart'],
    ]);
  });

  it('generates UUIDv7 event ids that start with the arrival time and grow with it', () => {
    const first = normalizeEvent(eventSchema.parse({ message: 'a' }), RECEIVED).eventId;
    const same = normalizeEvent(eventSchema.parse({ message: 'b' }), RECEIVED).eventId;
    const later = normalizeEvent(eventSchema.parse({ message: 'c' }), RECEIVED + 1).eventId;
    // 48 bits of milliseconds, version 7, variant 10, then random bits (RFC 9562).
    expect(first).toMatch(/^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(Number.parseInt(first.slice(0, 12), 16)).toBe(RECEIVED);
    expect(same).not.toBe(first);
    expect(same.slice(0, 12)).toBe(first.slice(0, 12));
    expect(later > first && later > same).toBe(true);
  });

  it('defaults the id and level, reads logentry, trims long messages and stacktraces', () => {
    const event = normalized({ logentry: { formatted: 'x'.repeat(9000) } });
    expect(event.eventId).toMatch(/^[0-9a-f]{32}$/);
    expect(event.raw['event_id']).toBe(event.eventId);
    expect(event.level).toBe('error');
    expect(event.message).toHaveLength(8192);
    expect(normalized({ event_id: 'AB'.repeat(16) }).eventId).toBe('ab'.repeat(16));
    expect(normalized({ type: 'transaction' }).level).toBe('info');

    const frames = Array.from({ length: 300 }, (_, i) => ({ function: `f${i}` }));
    const trimmed = normalized({ exception: [{ type: 'E', stacktrace: { frames } }] });
    const kept = trimmed.exception?.values[0]?.stacktrace?.frames ?? [];
    expect(kept).toHaveLength(MAX_FRAMES);
    expect(kept[0]?.function).toBe('f0');
    expect(kept.at(-1)?.function).toBe('f299');
  });
});
