import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { eventBatchSchema, isPlainBatch } from '../api/routes/events.js';
import {
  eventSchema,
  isPlainEvent,
  LEVEL_INPUTS,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  TEXT_LIMITS,
} from './event-schema.js';
import { sentryEventPayload } from './sentry-event.js';

/**
 * A field's valid values, and values near them: valid, or wrong in one place (a type, a bound, a form).
 * A candidate event is valid everywhere but in at most one place, so every condition of the check is
 * met on its own, and dropping any one of them lets a wrong value through to the schema.
 */
interface Field {
  readonly valid: fc.Arbitrary<unknown>;
  readonly near: fc.Arbitrary<unknown>;
}

const junk = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.constant(new Date(0)),
  fc.string({ maxLength: 3 }),
);
const field = (valid: fc.Arbitrary<unknown>, ...wrong: fc.Arbitrary<unknown>[]): Field => ({
  valid,
  near: fc.oneof(valid, ...wrong),
});
const text = field(fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)), junk);
/** Strings of exactly `length` characters: a few random ones, then `x`s (cheap at 8,192). */
const ofLength = (length: number) =>
  fc.string({ maxLength: 4 }).map((start) => start.slice(0, length).padEnd(length, 'x'));
/** A text field of at most `max` characters: short, at the limit, or one past it. */
const bounded = (max: number) =>
  field(
    fc.oneof(fc.string({ maxLength: 4 }), ofLength(max - 1), ofLength(max), fc.constant(null)),
    ofLength(max + 1),
    junk,
  );
const flag = field(fc.oneof(fc.boolean(), fc.constant(null)), fc.string({ maxLength: 3 }), fc.integer());
const count = field(
  fc.oneof(fc.nat(), fc.constant(null)),
  fc.integer({ min: -3, max: -1 }),
  fc.double({ min: 0.1, max: 10, noNaN: true }),
  fc.constant(2 ** 60),
  fc.constant(Number.NaN),
  fc.string({ maxLength: 3 }),
);
/** The same, where a number may stand for the string. */
const boundedOrNumber = (max: number) =>
  field(
    fc.oneof(fc.string({ maxLength: 4 }), ofLength(max), fc.integer(), fc.constant(null)),
    ofLength(max + 1),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
    fc.boolean(),
    fc.constant({}),
  );
const timestamp = field(
  fc.oneof(
    fc.double({ min: 0, max: 2e9, noNaN: true }),
    fc
      .date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01') })
      .map((d) => d.toISOString()),
    fc.constantFrom('2026-03-01T12:00:00', '2026-03-01', '1767225600.5', '2026-03-01T12:00:00+02:00'),
    fc.constant(null),
  ),
  fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, 'last tuesday', '', '2026-13-45'),
  fc.boolean(),
);

/** An object field: each listed key valid (or absent), at most one near; unknown keys kept. */
function object(fields: Record<string, Field>, unknown?: fc.Arbitrary<unknown>): Field {
  const keys = Object.keys(fields);
  const valid = fc.record(
    {
      ...Object.fromEntries(keys.map((key) => [key, fields[key]!.valid])),
      ...(unknown ? { custom: unknown } : {}),
    },
    { requiredKeys: [] },
  );
  const oneWrong = fc
    .tuple(valid, fc.constantFrom(...keys))
    .chain(([value, key]) => fields[key]!.near.map((wrong) => ({ ...value, [key]: wrong })));
  return { valid, near: fc.oneof(valid, oneWrong, junk) };
}

/** The same field, which may also be null. */
const nullable = (of: Field): Field => ({
  valid: fc.oneof(of.valid, fc.constant(null)),
  near: fc.oneof(of.near, fc.constant(null)),
});

/** A list field: valid items, or one of them near; `max` items at most. */
function list(item: Field, max?: number): Field {
  const valid = fc.array(item.valid, { maxLength: 3 });
  const oneWrong = fc
    .tuple(valid, item.near, fc.nat())
    .map(([items, wrong, at]) => items.toSpliced(at % (items.length + 1), 0, wrong));
  const wrong: fc.Arbitrary<unknown>[] = [oneWrong, junk];
  if (max !== undefined)
    wrong.push(item.valid.chain((one) => fc.constant(Array.from({ length: max + 1 }, () => one))));
  return {
    valid: fc.oneof(
      valid,
      fc.constant(null),
      ...(max === undefined ? [] : [item.valid.map((one) => Array.from({ length: max }, () => one))]),
    ),
    near: fc.oneof(valid, ...wrong),
  };
}

const tagKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.string({ minLength: MAX_TAG_LENGTH, maxLength: MAX_TAG_LENGTH }),
);
const tagValue = field(
  fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.string({ minLength: MAX_TAG_LENGTH, maxLength: MAX_TAG_LENGTH }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  ),
  fc.string({ minLength: MAX_TAG_LENGTH + 1, maxLength: MAX_TAG_LENGTH + 1 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
  fc.constant({ name: 'x' }),
  fc.constant([]),
);
const tagKeyNear = fc.oneof(
  tagKey,
  fc.constant(''),
  fc.string({ minLength: MAX_TAG_LENGTH + 1, maxLength: MAX_TAG_LENGTH + 1 }),
);
const manyTags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'v']));
const validTags = fc.dictionary(tagKey, tagValue.valid, { maxKeys: 4 });
const tags: Field = {
  valid: fc.oneof(validTags, fc.constant(manyTags(MAX_TAGS)), fc.constant(null)),
  near: fc.oneof(
    validTags,
    fc
      .tuple(
        validTags,
        fc.oneof(tagKey, fc.constant(''), fc.string({ minLength: 201, maxLength: 201 })),
        tagValue.near,
      )
      .map(([valid, key, value]) => ({ ...valid, [key]: value })),
    fc.constant(manyTags(MAX_TAGS + 1)),
    fc.array(fc.tuple(tagKey, tagValue.valid), { maxLength: 2 }),
    junk,
  ),
};

const frame = object(
  {
    filename: bounded(TEXT_LIMITS['frame.filename']),
    abs_path: bounded(TEXT_LIMITS['frame.abs_path']),
    function: bounded(TEXT_LIMITS['frame.function']),
    module: bounded(TEXT_LIMITS['frame.module']),
    lineno: count,
    colno: count,
    in_app: flag,
    context_line: bounded(TEXT_LIMITS['frame.context_line']),
    platform: bounded(TEXT_LIMITS['frame.platform']),
  },
  fc.jsonValue({ maxDepth: 1 }),
);
const stacktrace = nullable(object({ frames: list(frame) }));
const mechanism = nullable(
  object({ type: bounded(TEXT_LIMITS['mechanism.type']), handled: flag, synthetic: flag }),
);
const exceptionValue = object(
  {
    type: bounded(TEXT_LIMITS['exception.type']),
    value: bounded(TEXT_LIMITS['exception.value']),
    module: bounded(TEXT_LIMITS['exception.module']),
    thread_id: boundedOrNumber(TEXT_LIMITS['exception.thread_id']),
    mechanism,
    stacktrace,
  },
  fc.jsonValue({ maxDepth: 1 }),
);
const exception: Field = {
  valid: object({ values: list(exceptionValue) }).valid,
  near: fc.oneof(
    object({ values: list(exceptionValue) }).near,
    fc.array(exceptionValue.valid, { maxLength: 2 }),
  ),
};
const record = field(
  fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }), fc.constant(null)),
  junk,
);
const eventFields: Record<string, Field> = {
  event_id: field(
    fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{32}$/), fc.uuid(), fc.constant(null)),
    fc.constantFrom('not-hex', '0'.repeat(31), `${'a'.repeat(32)}\n`),
    fc.integer(),
  ),
  timestamp,
  start_timestamp: timestamp,
  level: field(fc.constantFrom(...LEVEL_INPUTS, null), fc.constantFrom('loud', 'ERROR'), fc.integer()),
  message: field(text.valid, junk, fc.record({ formatted: fc.string() })),
  logentry: field(fc.constant(null), fc.record({ formatted: text.valid }), junk),
  logger: bounded(TEXT_LIMITS.logger),
  platform: bounded(TEXT_LIMITS.platform),
  environment: bounded(TEXT_LIMITS.environment),
  release: bounded(TEXT_LIMITS.release),
  dist: bounded(TEXT_LIMITS.dist),
  server_name: bounded(TEXT_LIMITS.server_name),
  transaction: bounded(TEXT_LIMITS.transaction),
  culprit: bounded(TEXT_LIMITS.culprit),
  type: bounded(TEXT_LIMITS.type),
  tags,
  user: nullable(
    object(
      {
        id: boundedOrNumber(TEXT_LIMITS['user.id']),
        email: bounded(TEXT_LIMITS['user.email']),
        username: bounded(TEXT_LIMITS['user.username']),
        ip_address: bounded(TEXT_LIMITS['user.ip_address']),
      },
      fc.jsonValue({ maxDepth: 1 }),
    ),
  ),
  exception,
  stacktrace,
  request: nullable(
    object({
      method: bounded(TEXT_LIMITS['request.method']),
      url: bounded(TEXT_LIMITS['request.url']),
    }),
  ),
  extra: record,
  contexts: record,
  sdk: nullable(
    object(
      { name: bounded(TEXT_LIMITS['sdk.name']), version: bounded(TEXT_LIMITS['sdk.version']) },
      fc.jsonValue({ maxDepth: 1 }),
    ),
  ),
  fingerprint: list(
    field(
      fc.oneof(
        fc.string({ maxLength: 4 }),
        ofLength(TEXT_LIMITS['fingerprint.part']),
        fc.integer(),
        fc.boolean(),
      ),
      ofLength(TEXT_LIMITS['fingerprint.part'] + 1),
      fc.constant({}),
      fc.constant(null),
      fc.constant(Number.NaN),
    ),
    50,
  ),
};
const event = object(eventFields, fc.jsonValue({ maxDepth: 2 }));

/**
 * Events wrong in one place at every depth: a candidate of `event.near` reaches a frame's field only
 * through five random choices, so each level's values are also tried inside an otherwise empty event.
 */
const inOneEvent = fc.oneof(
  event.near,
  ...Object.entries(eventFields).map(([key, f]) => f.near.map((value) => ({ [key]: value }))),
  fc.tuple(tagKeyNear, tagValue.near).map(([key, value]) => ({ tags: { [key]: value } })),
  exceptionValue.near.map((value) => ({ exception: { values: [value] } })),
  mechanism.near.map((value) => ({ exception: { values: [{ type: 'E', mechanism: value }] } })),
  stacktrace.near.map((value) => ({ exception: { values: [{ stacktrace: value }] } })),
  frame.near.map((value) => ({ exception: { values: [{ stacktrace: { frames: [value] } }] } })),
  frame.near.map((value) => ({ stacktrace: { frames: [{ function: 'f' }, value] } })),
);

/** An event as @sentry/node and the bench send it. */
const sdkEvent = {
  event_id: 'a'.repeat(32),
  timestamp: 1767225600.123,
  platform: 'node',
  level: 'error',
  environment: 'production',
  release: 'web@1.2.0',
  server_name: 'host-1',
  tags: { browser: 'Chrome', route: '/cart/3', retries: 2, cached: false },
  user: { id: 'user-7', ip_address: '{{auto}}' },
  exception: {
    values: [
      {
        type: 'TypeError',
        value: "Cannot read properties of undefined (reading 'item')",
        mechanism: { type: 'onunhandledrejection', handled: false },
        stacktrace: {
          frames: [
            { filename: 'node:internal/process', function: 'processTicks', in_app: false },
            {
              filename: '/srv/app/cart.js',
              function: 'handler',
              lineno: 42,
              colno: 7,
              in_app: true,
              pre_context: [],
            },
          ],
        },
      },
    ],
  },
  contexts: { runtime: { name: 'node', version: 'v20.20.2' } },
  sdk: { name: 'sentry.javascript.node', version: '10.0.0', integrations: ['Http'] },
  breadcrumbs: [{ message: 'clicked' }],
};

/** Whatever `check` accepts, `schema` accepts and gives back equal. */
function holdsTo(
  check: (value: unknown) => boolean,
  schema: z.ZodType,
  candidates: fc.Arbitrary<unknown>,
  numRuns: number,
) {
  fc.assert(
    fc.property(candidates, (value) => {
      if (!check(value)) return;
      const parsed = schema.safeParse(value);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(value);
    }),
    { numRuns },
  );
}

describe('the written-out event check', () => {
  it('accepts only what the schema accepts, and the schema gives it back equal', () => {
    holdsTo(isPlainEvent, eventSchema, inOneEvent, 12_000);
  });

  it('accepts what SDKs send, so the schema rarely runs', () => {
    expect(isPlainEvent(sdkEvent)).toBe(true);
    expect(isPlainEvent({ message: 'Disk full', level: 'warning', fingerprint: ['disk', 1] })).toBe(true);
    expect(isPlainEvent({})).toBe(true);
    // But for an own `__proto__` key in a record, which the schema's copy leaves out (below).
    const sdkLike = event.valid.filter((value) => !JSON.stringify(value).includes('"__proto__"'));
    fc.assert(
      fc.property(sdkLike, (value) => isPlainEvent(value)),
      { numRuns: 2_000 },
    );
  });

  it('leaves the rarer shapes to the schema, which accepts them', () => {
    for (const rarer of [
      { tags: [['os', 'linux']] },
      { exception: [{ type: 'E' }] },
      { message: { formatted: 'x' } },
      { logentry: { message: 'x' } },
      // JSON makes an own `__proto__` key, which the schema's copy leaves out.
      JSON.parse('{"contexts": {"__proto__": false}}'),
      JSON.parse('{"extra": {"__proto__": {"a": 1}}}'),
      JSON.parse('{"tags": {"__proto__": "x"}}'),
    ]) {
      expect(isPlainEvent(rarer)).toBe(false);
      expect(eventSchema.safeParse(rarer).success).toBe(true);
    }
  });

  it('a batch: `{events}` alone, 1 to 1,000 events, each passing the event check', () => {
    holdsTo(
      isPlainBatch,
      eventBatchSchema,
      fc.oneof(
        fc.record({ events: fc.array(event.near, { maxLength: 3 }) }),
        fc.record({ events: fc.array(event.valid, { maxLength: 2 }), more: fc.jsonValue() }),
        fc.constant({ events: Array.from({ length: 1001 }, () => ({})) }),
        fc.constant({ events: Array.from({ length: 1000 }, () => ({})) }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      1_000,
    );
    expect(isPlainBatch({ events: [sdkEvent] })).toBe(true);
  });
});

describe('a Sentry event with bad fields', () => {
  /** Candidates as they arrive: JSON (no dates, NaN or infinities), each parse a fresh copy. */
  const candidates = fc
    .oneof(inOneEvent, event.near)
    .map((value) => JSON.stringify(value))
    .filter((json) => json.startsWith('{'));

  it('is kept: the bad values trimmed or dropped, the schema accepts the rest', () => {
    fc.assert(
      fc.property(candidates, (json) => {
        const payload = sentryEventPayload(JSON.parse(json));
        expect(eventSchema.safeParse(payload).success).toBe(true);
      }),
      { numRuns: 6_000 },
    );
  });

  it('keeps every field that is valid on its own as the schema keeps it, and a valid event as the schema does', () => {
    fc.assert(
      fc.property(candidates, (json) => {
        const sent = JSON.parse(json) as Record<string, unknown>;
        const payload = sentryEventPayload(JSON.parse(json)) as Record<string, unknown>;
        // As the schema keeps them: its copy of a record leaves out an own `__proto__` key.
        const whole = eventSchema.safeParse(sent);
        if (whole.success) expect(payload).toEqual(whole.data);
        for (const [key, value] of Object.entries(sent)) {
          const alone = eventSchema.safeParse({ [key]: value });
          if (alone.success) expect(payload[key]).toEqual((alone.data as Record<string, unknown>)[key]);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});
