import { uuidV7Hex } from '../ids.js';
import type { ExceptionValue, HeraldEvent, Level, StackFrame } from './event.js';
import { type EventPayload, MAX_FRAMES, MAX_MESSAGE_LENGTH, parseTimestamp } from './event-schema.js';

const LEVEL_ALIASES: Readonly<Record<string, Level>> = {
  debug: 'debug',
  info: 'info',
  log: 'info',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
};

/** Sentry moves timestamps more than a minute ahead of arrival (a client clock running fast) to arrival. */
const MAX_FUTURE_MS = 60_000;
/** … and timestamps older than 30 days too, so old events cannot sneak into past buckets. */
export const MAX_PAST_MS = 30 * 24 * 3600_000;

/**
 * Resolves a validated payload into a {@link HeraldEvent}: event id generated when absent (a UUIDv7, 32 hex),
 * timestamp in epoch ms (arrival when absent or implausible), level defaulted to `error` (`info` for
 * transactions), message taken from `logentry` when needed and trimmed to 8,192 characters (Sentry trims
 * rather than refuses), tags as pairs plus the ones Sentry derives (`level`, `environment`,
 * `sentry:release`, `sentry:user`, `url`, `handled`, …), stacktraces cut to 250 frames by dropping the
 * middle ones, as Sentry does. `raw` is the payload with the resolved `event_id`: what gets stored.
 */
export function normalizeEvent(payload: EventPayload, receivedAt: number): HeraldEvent {
  const eventId = payload.event_id
    ? payload.event_id.replaceAll('-', '').toLowerCase()
    : newEventId(receivedAt);
  const type = payload.type ?? 'error';
  const level = LEVEL_ALIASES[payload.level ?? ''] ?? (type === 'transaction' ? 'info' : 'error');
  const user = payload.user ? compact({ ...payload.user, id: stringOrUndefined(payload.user.id) }) : null;
  const request = payload.request ? compact(payload.request) : null;
  const values = exceptionValues(payload.exception);
  const exception = values ? { values: values.map(normalizeException) } : null;

  const event: HeraldEvent = {
    eventId,
    timestamp: eventTime(payload.timestamp, receivedAt),
    level,
    message: trimMessage(messageOf(payload)),
    platform: payload.platform ?? null,
    environment: payload.environment || null,
    release: payload.release || null,
    type,
    tags: [],
    user,
    exception,
    request,
    extra: payload.extra ?? {},
    contexts: payload.contexts ?? {},
    sdk: payload.sdk ? compact(payload.sdk) : null,
    fingerprint: payload.fingerprint?.length ? payload.fingerprint.map(String) : null,
    raw: payload.event_id === eventId ? payload : { ...payload, event_id: eventId },
  };
  return { ...event, tags: withDerivedTags(payload, event) };
}

/**
 * A new event id: 32 lower-case hex characters, a UUID version 7 without dashes (RFC 9562: 48 bits of
 * Unix milliseconds, then random bits). The time first matters for the store: events are deduplicated by
 * a unique index on (project, event_id), and ids that grow with time are appended at its end, where
 * random ones land on a different page of that index for every event, each page written out again at
 * the next commit.
 */
export function newEventId(now: number = Date.now()): string {
  return uuidV7Hex(now);
}

function eventTime(value: EventPayload['timestamp'], receivedAt: number): number {
  if (value === null || value === undefined) return receivedAt;
  const ms = typeof value === 'number' ? Math.round(value * 1000) : parseTimestamp(value);
  if (Number.isNaN(ms) || ms > receivedAt + MAX_FUTURE_MS || ms < receivedAt - MAX_PAST_MS) return receivedAt;
  return ms;
}

function messageOf(payload: EventPayload): string {
  const message = payload.message;
  if (typeof message === 'string' && message !== '') return message;
  if (message && typeof message === 'object') {
    const text = message.formatted || message.message;
    if (text) return text;
  }
  return payload.logentry?.formatted || payload.logentry?.message || '';
}

function trimMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

function exceptionValues(exception: EventPayload['exception']) {
  if (!exception) return null;
  const values = Array.isArray(exception) ? exception : exception.values;
  return values && values.length > 0 ? values : null;
}

type PayloadException = NonNullable<ReturnType<typeof exceptionValues>>[number];

function normalizeException(value: PayloadException): ExceptionValue {
  const { stacktrace, mechanism, ...rest } = value;
  const frames = stacktrace?.frames
    ? trimFrames(stacktrace.frames.map((f) => compact(f) as StackFrame))
    : null;
  return compact({
    ...rest,
    mechanism: mechanism ? compact(mechanism) : undefined,
    stacktrace: frames ? { ...compact(stacktrace ?? {}), frames } : undefined,
  }) as ExceptionValue;
}

function trimFrames(frames: StackFrame[]): StackFrame[] {
  if (frames.length <= MAX_FRAMES) return frames;
  const half = MAX_FRAMES / 2;
  return [...frames.slice(0, half), ...frames.slice(frames.length - half)];
}

function withDerivedTags(payload: EventPayload, event: HeraldEvent): [string, string][] {
  const pairs: [string, string][] = [];
  const given = payload.tags;
  if (Array.isArray(given)) {
    for (const [key, value] of given) if (value !== null) pairs.push([key, String(value)]);
  } else if (given) {
    for (const [key, value] of Object.entries(given)) if (value !== null) pairs.push([key, String(value)]);
  }
  const present = new Set(pairs.map(([key]) => key));
  const derive = (key: string, value: string | null | undefined) => {
    if (value && !present.has(key)) pairs.push([key, value]);
  };
  const mechanism = event.exception?.values.at(-1)?.mechanism;
  derive('level', event.level);
  derive('environment', event.environment);
  derive('sentry:release', event.release);
  derive('sentry:dist', payload.dist);
  derive('server_name', payload.server_name);
  derive('transaction', payload.transaction);
  derive('logger', payload.logger);
  derive('sentry:user', userKey(event.user));
  derive('url', event.request?.url?.split(/[?#]/)[0]);
  derive('mechanism', mechanism?.type);
  if (typeof mechanism?.handled === 'boolean') derive('handled', mechanism.handled ? 'yes' : 'no');
  return pairs;
}

/**
 * Who an event counts as, Sentry's `sentry:user` tag value: `id:…`, else `username:…`, `email:…`,
 * `ip:…` (Sentry's order, which the rules' preview counts by too); null for an anonymous event.
 */
export function userKey(user: HeraldEvent['user']): string | null {
  if (!user) return null;
  if (user.id) return `id:${user.id}`;
  if (user.username) return `username:${user.username}`;
  if (user.email) return `email:${user.email}`;
  if (user.ip_address) return `ip:${user.ip_address}`;
  return null;
}

function stringOrUndefined(value: string | number | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : String(value);
}

/** A copy without null and undefined values, so readers can trust `typeof` on known fields. */
function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null && v !== undefined) out[key] = v;
  return out as { [K in keyof T]: Exclude<T[K], null> };
}
