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

/**
 * Longest value of each bounded text field, in characters (UTF-16 code units, as JavaScript counts them),
 * named by its place in the event (`frame.*` for a stack frame's fields, wherever the frame sits). Where
 * Sentry's Relay has a `max_chars` the limit is Relay's; the others are ours, noted as such. Herald's API
 * refuses a longer value; the Sentry endpoints trim or drop it (see `sentryEventPayload`).
 */
export const TEXT_LIMITS = {
  // Relay's, but release: 250 is Sentry's own column (Relay cuts at 200); type holds a short enum name.
  environment: 64,
  release: 250,
  transaction: 200,
  type: 64,
  // Relay's (logger's is a database column's; a dist past 64 is dropped in its normalization).
  logger: 64,
  dist: 64,
  server_name: 256,
  culprit: 200,
  // Ours: Relay has none, but replaces a platform it does not know with `other`; every known one fits.
  platform: 64,
  // Relay's.
  'user.id': 128,
  'user.email': 75,
  'user.username': 128,
  // Ours: Relay takes only an IP address or `{{auto}}` here; 64 holds any IPv6 address with a zone.
  'user.ip_address': 64,
  // Ours: Relay trims a URL past 256 (+40) for display, but Herald's API refuses what is over its
  // limit, and real URLs with their query strings run longer; 2,048 is what browsers and CDNs keep to.
  'request.url': 2048,
  // Relay's (a method must match 3 to 32 characters in its normalization).
  'request.method': 32,
  'sdk.name': 256,
  'sdk.version': 256,
  'exception.type': 256,
  'exception.value': 8192,
  'exception.module': 256,
  'exception.thread_id': 128,
  // Relay's for enum-like names and symbols.
  'mechanism.type': 128,
  'frame.function': 256,
  // Ours, for paths: Relay trims past 256 (+40), but a bundler's file URL with its query string can
  // be longer, and Herald's API would refuse the whole event for it.
  'frame.filename': 1024,
  'frame.abs_path': 1024,
  // Ours, where Relay has none: generous for identifiers (a module is a path or a dotted name, a
  // fingerprint part anything), as for free text for a source line (minified code makes long lines).
  'frame.module': 1024,
  'fingerprint.part': 1024,
  'frame.context_line': 8192,
  // Ours, as the event's platform.
  'frame.platform': 64,
} as const;
/** Most parts of a fingerprint. */
const MAX_FINGERPRINT_PARTS = 50;

type BoundedField = keyof typeof TEXT_LIMITS;
const tooLong = (field: BoundedField) => `must have at most ${TEXT_LIMITS[field]} characters`;
/** A string no longer than `field`'s limit, or nothing. */
const bounded = (field: BoundedField) => z.string().max(TEXT_LIMITS[field], tooLong(field)).nullish();
/** The same, where a number may stand for the string (Relay's lenient strings). */
const boundedOrNumber = (field: BoundedField) =>
  z
    .union([z.string(), z.number()])
    .refine((v) => typeof v !== 'string' || v.length <= TEXT_LIMITS[field], tooLong(field))
    .nullish();
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
  filename: bounded('frame.filename'),
  abs_path: bounded('frame.abs_path'),
  function: bounded('frame.function'),
  module: bounded('frame.module'),
  lineno: count,
  colno: count,
  in_app: z.boolean().nullish(),
  context_line: bounded('frame.context_line'),
  platform: bounded('frame.platform'),
});

const stacktrace = z.looseObject({ frames: z.array(frameSchema).nullish() });

/** One exception of the chain, innermost (the one raised) last, as Sentry orders them. */
export const exceptionValueSchema = z.looseObject({
  type: bounded('exception.type'),
  value: bounded('exception.value'),
  module: bounded('exception.module'),
  thread_id: boundedOrNumber('exception.thread_id'),
  mechanism: z
    .looseObject({
      type: bounded('mechanism.type'),
      handled: z.boolean().nullish(),
      synthetic: z.boolean().nullish(),
    })
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
    logger: bounded('logger'),
    platform: bounded('platform'),
    environment: bounded('environment'),
    release: bounded('release'),
    dist: bounded('dist'),
    server_name: bounded('server_name'),
    transaction: bounded('transaction'),
    culprit: bounded('culprit'),
    type: bounded('type'),
    tags: tags.nullish(),
    user: z
      .looseObject({
        id: boundedOrNumber('user.id'),
        email: bounded('user.email'),
        username: bounded('user.username'),
        ip_address: bounded('user.ip_address'),
      })
      .nullish(),
    exception: byShape(
      z.looseObject({ values: z.array(exceptionValueSchema).nullish() }),
      z.array(exceptionValueSchema),
      'must be an object with values',
    ).nullish(),
    stacktrace: stacktrace.nullish(),
    request: z.looseObject({ method: bounded('request.method'), url: bounded('request.url') }).nullish(),
    extra: object.nullish(),
    contexts: object.nullish(),
    sdk: z.looseObject({ name: bounded('sdk.name'), version: bounded('sdk.version') }).nullish(),
    fingerprint: z
      .array(
        z
          .union([z.string(), z.number(), z.boolean()], { error: 'must be a string' })
          .refine(
            (v) => typeof v !== 'string' || v.length <= TEXT_LIMITS['fingerprint.part'],
            tooLong('fingerprint.part'),
          ),
      )
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
/** Absent, or a string of at most `max` characters. */
const isBounded = (value: unknown, max: number) =>
  isNullish(value) || (typeof value === 'string' && value.length <= max);
const isFlag = (value: unknown) => isNullish(value) || typeof value === 'boolean';
const isCount = (value: unknown) =>
  isNullish(value) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
const isFiniteNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
/** Absent, a string of at most `max` characters, or a number standing for one. */
const isBoundedOrNumber = (value: unknown, max: number) => isBounded(value, max) || isFiniteNumber(value);
const isTimestamp = (value: unknown) =>
  isNullish(value) ||
  (isFiniteNumber(value) && (value as number) >= 0) ||
  (typeof value === 'string' && !Number.isNaN(parseTimestamp(value)));
const LEVELS: ReadonlySet<unknown> = new Set(LEVEL_INPUTS);
/** Absent, or a list whose every item passes `item`. */
const isListOf = (value: unknown, item: (value: unknown) => boolean) =>
  isNullish(value) || (Array.isArray(value) && value.every(item));

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
  isBounded(frame.filename, TEXT_LIMITS['frame.filename']) &&
  isBounded(frame.abs_path, TEXT_LIMITS['frame.abs_path']) &&
  isBounded(frame.function, TEXT_LIMITS['frame.function']) &&
  isBounded(frame.module, TEXT_LIMITS['frame.module']) &&
  isCount(frame.lineno) &&
  isCount(frame.colno) &&
  isFlag(frame.in_app) &&
  isBounded(frame.context_line, TEXT_LIMITS['frame.context_line']) &&
  isBounded(frame.platform, TEXT_LIMITS['frame.platform']);

const isStacktrace = (value: unknown) =>
  isNullish(value) || (isPlainObject(value) && isListOf(value.frames, isFrame));

const isMechanism = (value: unknown) =>
  isNullish(value) ||
  (isPlainObject(value) &&
    isBounded(value.type, TEXT_LIMITS['mechanism.type']) &&
    isFlag(value.handled) &&
    isFlag(value.synthetic));

const isExceptionValue = (value: unknown) =>
  isPlainObject(value) &&
  isBounded(value.type, TEXT_LIMITS['exception.type']) &&
  isBounded(value.value, TEXT_LIMITS['exception.value']) &&
  isBounded(value.module, TEXT_LIMITS['exception.module']) &&
  isBoundedOrNumber(value.thread_id, TEXT_LIMITS['exception.thread_id']) &&
  isMechanism(value.mechanism) &&
  isStacktrace(value.stacktrace);

const isException = (value: unknown) =>
  isNullish(value) || (isPlainObject(value) && isListOf(value.values, isExceptionValue));

const isUser = (value: unknown) =>
  isNullish(value) ||
  (isPlainObject(value) &&
    isBoundedOrNumber(value.id, TEXT_LIMITS['user.id']) &&
    isBounded(value.email, TEXT_LIMITS['user.email']) &&
    isBounded(value.username, TEXT_LIMITS['user.username']) &&
    isBounded(value.ip_address, TEXT_LIMITS['user.ip_address']));

const isRequest = (value: unknown) =>
  isNullish(value) ||
  (isPlainObject(value) &&
    isBounded(value.method, TEXT_LIMITS['request.method']) &&
    isBounded(value.url, TEXT_LIMITS['request.url']));

const isSdk = (value: unknown) =>
  isNullish(value) ||
  (isPlainObject(value) &&
    isBounded(value.name, TEXT_LIMITS['sdk.name']) &&
    isBounded(value.version, TEXT_LIMITS['sdk.version']));

const isFingerprintPart = (part: unknown) =>
  (typeof part === 'string' && part.length <= TEXT_LIMITS['fingerprint.part']) ||
  typeof part === 'boolean' ||
  isFiniteNumber(part);

const isFingerprint = (value: unknown) =>
  isNullish(value) ||
  (Array.isArray(value) && value.length <= MAX_FINGERPRINT_PARTS && value.every(isFingerprintPart));

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
    isBounded(v.logger, TEXT_LIMITS.logger) &&
    isBounded(v.platform, TEXT_LIMITS.platform) &&
    isBounded(v.environment, TEXT_LIMITS.environment) &&
    isBounded(v.release, TEXT_LIMITS.release) &&
    isBounded(v.dist, TEXT_LIMITS.dist) &&
    isBounded(v.server_name, TEXT_LIMITS.server_name) &&
    isBounded(v.transaction, TEXT_LIMITS.transaction) &&
    isBounded(v.culprit, TEXT_LIMITS.culprit) &&
    isBounded(v.type, TEXT_LIMITS.type) &&
    isTagMap(v.tags) &&
    isUser(v.user) &&
    isException(v.exception) &&
    isStacktrace(v.stacktrace) &&
    isRequest(v.request) &&
    isRecord(v.extra) &&
    isRecord(v.contexts) &&
    isSdk(v.sdk) &&
    isFingerprint(v.fingerprint)
  );
}
