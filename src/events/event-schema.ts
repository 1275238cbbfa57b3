import { z } from 'zod';
import { isPlainObject, withWrittenCheck } from '../validation.js';

export { normalizeEvent } from './normalize.js';

/** Most tags one event may carry. */
export const MAX_TAGS = 200;
/** Longest tag key and tag value, in characters (Sentry's limits). */
export const MAX_TAG_LENGTH = 200;
/** Longest message kept; longer ones are trimmed, see {@link normalizeEvent}. */
export const MAX_MESSAGE_LENGTH = 8192;
/** Most frames kept per stacktrace; longer ones lose their middle frames, as Sentry trims them. */
export const MAX_FRAMES = 250;

// Sentry SDKs send `null` for absent values in many places; null means "not given" everywhere here.
const text = z.string().nullish();
const count = z.number().int().nonnegative().nullish();
const object = z.record(z.string(), z.unknown());

/** Longest values of the bounded text fields (Sentry's limits). */
const TEXT_LIMITS = { environment: 64, release: 250, transaction: 200, type: 64 } as const;
/** Most parts of a fingerprint. */
const MAX_FINGERPRINT_PARTS = 50;
/** An event id: 32 hexadecimal characters, or a UUID with dashes. */
const EVENT_ID = /^[0-9a-fA-F]{32}$|^[0-9a-fA-F-]{36}$/;

/** Level names Sentry accepts, aliases included (`warn`, `log`, `critical`). */
export const LEVEL_INPUTS = [
  'debug',
  'info',
  'log',
  'warning',
  'warn',
  'error',
  'fatal',
  'critical',
] as const;

/** An ISO 8601 time (zone optional, UTC assumed) or epoch seconds. */
const timestamp = z.union(
  [
    z.number().nonnegative(),
    z.string().refine((v) => !Number.isNaN(parseTimestamp(v)), 'must be an ISO 8601 time or epoch seconds'),
  ],
  { error: 'must be an ISO 8601 time or epoch seconds' },
);

// Sentry stringifies number and boolean tag values (Relay's lenient strings); null values are dropped.
const tagValue = z
  .union([z.string(), z.number(), z.boolean(), z.null()], { error: 'must be a string' })
  .refine(
    (v) => typeof v !== 'string' || v.length <= MAX_TAG_LENGTH,
    `must have at most ${MAX_TAG_LENGTH} characters`,
  );
const tagKey = z.string().min(1).max(MAX_TAG_LENGTH);

/** Tags as an object or as a list of `[key, value]` pairs, at most {@link MAX_TAGS}. */
const tags = byShape(
  z
    .record(tagKey, tagValue)
    .refine((v) => Object.keys(v).length <= MAX_TAGS, `must have at most ${MAX_TAGS} tags`),
  z.array(z.tuple([tagKey, tagValue])).max(MAX_TAGS, `must have at most ${MAX_TAGS} tags`),
  'must be an object or a list of [key, value] pairs',
);

/** One stack frame; unknown fields (vars, context lines, …) are kept. */
export const frameSchema = z.looseObject({
  filename: text,
  abs_path: text,
  function: text,
  module: text,
  lineno: count,
  colno: count,
  in_app: z.boolean().nullish(),
  context_line: text,
  platform: text,
});

const stacktrace = z.looseObject({ frames: z.array(frameSchema).nullish() });

/** One exception of the chain, innermost (the one raised) last, as Sentry orders them. */
export const exceptionValueSchema = z.looseObject({
  type: text,
  value: text,
  module: text,
  thread_id: z.union([z.string(), z.number()]).nullish(),
  mechanism: z
    .looseObject({ type: text, handled: z.boolean().nullish(), synthetic: z.boolean().nullish() })
    .nullish(),
  stacktrace: stacktrace.nullish(),
});

// A message may come as a string or, from older SDKs, as a log entry object.
const logentry = z.looseObject({ formatted: text, message: text, params: z.unknown().optional() });

/**
 * Sentry's event payload (the `event` item of an envelope, or the body of the store endpoint). Only
 * validation: normalizing (defaults, trimming, tag forms) is {@link normalizeEvent}'s job, so this
 * schema documents the input as it is sent. Events of the usual shapes skip it (see {@link isPlainEvent}).
 */
export const eventSchema = withWrittenCheck(
  z.looseObject({
    event_id: z.string().regex(EVENT_ID, 'must be 32 hexadecimal characters (a UUID)').nullish(),
    timestamp: timestamp.nullish(),
    start_timestamp: timestamp.nullish(),
    level: z.enum(LEVEL_INPUTS, { error: `must be one of: ${LEVEL_INPUTS.join(', ')}` }).nullish(),
    message: z.union([z.string(), logentry], { error: 'must be a string' }).nullish(),
    logentry: logentry.nullish(),
    logger: text,
    platform: text,
    environment: z.string().max(TEXT_LIMITS.environment).nullish(),
    release: z.string().max(TEXT_LIMITS.release).nullish(),
    dist: text,
    server_name: text,
    transaction: z.string().max(TEXT_LIMITS.transaction).nullish(),
    culprit: text,
    type: z.string().max(TEXT_LIMITS.type).nullish(),
    tags: tags.nullish(),
    user: z
      .looseObject({
        id: z.union([z.string(), z.number()]).nullish(),
        email: text,
        username: text,
        ip_address: text,
      })
      .nullish(),
    exception: byShape(
      z.looseObject({ values: z.array(exceptionValueSchema).nullish() }),
      z.array(exceptionValueSchema),
      'must be an object with values',
    ).nullish(),
    stacktrace: stacktrace.nullish(),
    request: z.looseObject({ method: text, url: text }).nullish(),
    extra: object.nullish(),
    contexts: object.nullish(),
    sdk: z.looseObject({ name: text, version: text }).nullish(),
    fingerprint: z
      .array(z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string' }))
      .max(MAX_FINGERPRINT_PARTS)
      .nullish(),
  }),
  isPlainEvent,
);

/** An event payload that passed {@link eventSchema}. */
export type EventPayload = z.output<typeof eventSchema>;

/**
 * Epoch ms of an ISO 8601 string, or of epoch seconds written as a string; NaN when neither. A time
 * without a zone is UTC, as Sentry reads it (Date.parse would take local time).
 */
export function parseTimestamp(value: string): number {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return Number.NaN;
  const zoned = /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed.slice(10)) || trimmed.length === 10;
  return Date.parse(zoned ? trimmed : `${trimmed}Z`);
}

/**
 * An object-or-list field whose problems keep their full path (`tags.os`, `exception.values.0.type`):
 * a zod union would report only "invalid union" at the field itself. The shape of the input picks the
 * schema; OpenAPI still shows both shapes.
 */
function byShape<O extends z.ZodType, L extends z.ZodType>(
  object: O,
  list: L,
  message: string,
): z.ZodType<z.output<O> | z.output<L>, z.input<O> | z.input<L>> {
  const inner = (schema: z.ZodType) => {
    const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    return json;
  };
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value !== 'object' || value === null) {
        ctx.addIssue({ code: 'custom', message, input: value });
        return;
      }
      const result = (Array.isArray(value) ? list : object).safeParse(value);
      if (!result.success)
        for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
    })
    .meta({ anyOf: [inner(object), inner(list)] }) as unknown as z.ZodType<
    z.output<O> | z.output<L>,
    z.input<O> | z.input<L>
  >;
}

const isNullish = (value: unknown): value is null | undefined => value === null || value === undefined;
const isText = (value: unknown) => isNullish(value) || typeof value === 'string';
const isBoundedText = (value: unknown, max: number) =>
  isNullish(value) || (typeof value === 'string' && value.length <= max);
const isFlag = (value: unknown) => isNullish(value) || typeof value === 'boolean';
const isCount = (value: unknown) =>
  isNullish(value) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
const isFiniteNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isStringOrNumber = (value: unknown) =>
  isNullish(value) || typeof value === 'string' || isFiniteNumber(value);
const isTimestamp = (value: unknown) =>
  isNullish(value) ||
  (isFiniteNumber(value) && (value as number) >= 0) ||
  (typeof value === 'string' && !Number.isNaN(parseTimestamp(value)));
const LEVELS: ReadonlySet<unknown> = new Set(LEVEL_INPUTS);
/** Absent, or a list whose every item passes `item`. */
const isListOf = (value: unknown, item: (value: unknown) => boolean) =>
  isNullish(value) || (Array.isArray(value) && value.every(item));
/** Absent, or an object (unknown fields kept) whose named fields are text. */
const isTextFields = (value: unknown, fields: readonly string[]) =>
  isNullish(value) || (isPlainObject(value) && fields.every((field) => isText(value[field])));

const USER_TEXT = ['email', 'username', 'ip_address'];
const REQUEST_TEXT = ['method', 'url'];
const SDK_TEXT = ['name', 'version'];

/**
 * An object the schema's records give back equal: JSON can make an own `__proto__` key, which a record
 * leaves out of its copy, so such an object is left to the schema.
 */
function isRecord(value: unknown): boolean {
  return isNullish(value) || (isPlainObject(value) && !Object.hasOwn(value, '__proto__'));
}

function isTagMap(value: unknown): boolean {
  if (isNullish(value)) return true;
  if (!isPlainObject(value)) return false;
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || key === '__proto__') return false;
    if (++count > MAX_TAGS || key.length === 0 || key.length > MAX_TAG_LENGTH) return false;
    const tag = value[key];
    if (typeof tag === 'string') {
      if (tag.length > MAX_TAG_LENGTH) return false;
    } else if (!(tag === null || typeof tag === 'boolean' || isFiniteNumber(tag))) return false;
  }
  return true;
}

const isFrame = (frame: unknown) =>
  isPlainObject(frame) &&
  isText(frame.filename) &&
  isText(frame.abs_path) &&
  isText(frame.function) &&
  isText(frame.module) &&
  isCount(frame.lineno) &&
  isCount(frame.colno) &&
  isFlag(frame.in_app) &&
  isText(frame.context_line) &&
  isText(frame.platform);

const isStacktrace = (value: unknown) =>
  isNullish(value) || (isPlainObject(value) && isListOf(value.frames, isFrame));

const isMechanism = (value: unknown) =>
  isNullish(value) ||
  (isPlainObject(value) && isText(value.type) && isFlag(value.handled) && isFlag(value.synthetic));

const isExceptionValue = (value: unknown) =>
  isPlainObject(value) &&
  isText(value.type) &&
  isText(value.value) &&
  isText(value.module) &&
  isStringOrNumber(value.thread_id) &&
  isMechanism(value.mechanism) &&
  isStacktrace(value.stacktrace);

const isException = (value: unknown) =>
  isNullish(value) || (isPlainObject(value) && isListOf(value.values, isExceptionValue));

const isFingerprint = (value: unknown) =>
  isNullish(value) ||
  (Array.isArray(value) &&
    value.length <= MAX_FINGERPRINT_PARTS &&
    value.every((part) => typeof part === 'string' || typeof part === 'boolean' || isFiniteNumber(part)));

/**
 * The check of {@link eventSchema} written out for the shapes SDKs send (tags as an object, exceptions
 * as `{values}`, messages as strings), without the copy of the whole event the schema makes: what it
 * accepts, the schema accepts and gives back equal; what it refuses (a rarer shape, or a bad field) is
 * left to the schema, which names the problems. At thousands of events a second the schema's copy cost
 * as much as parsing the JSON. Kept beside the schema, to change with it; a property test holds the two
 * together.
 */
export function isPlainEvent(value: unknown): value is EventPayload {
  if (!isPlainObject(value)) return false;
  const v = value;
  return (
    (isNullish(v.event_id) || (typeof v.event_id === 'string' && EVENT_ID.test(v.event_id))) &&
    isTimestamp(v.timestamp) &&
    isTimestamp(v.start_timestamp) &&
    (isNullish(v.level) || LEVELS.has(v.level)) &&
    isText(v.message) &&
    isNullish(v.logentry) &&
    isText(v.logger) &&
    isText(v.platform) &&
    isBoundedText(v.environment, TEXT_LIMITS.environment) &&
    isBoundedText(v.release, TEXT_LIMITS.release) &&
    isText(v.dist) &&
    isText(v.server_name) &&
    isBoundedText(v.transaction, TEXT_LIMITS.transaction) &&
    isText(v.culprit) &&
    isBoundedText(v.type, TEXT_LIMITS.type) &&
    isTagMap(v.tags) &&
    (isNullish(v.user) ||
      (isTextFields(v.user, USER_TEXT) && isStringOrNumber((v.user as Record<string, unknown>).id))) &&
    isException(v.exception) &&
    isStacktrace(v.stacktrace) &&
    isTextFields(v.request, REQUEST_TEXT) &&
    isRecord(v.extra) &&
    isRecord(v.contexts) &&
    isTextFields(v.sdk, SDK_TEXT) &&
    isFingerprint(v.fingerprint)
  );
}
