import type { HeraldEvent, StackFrame } from '../events/event.js';

/**
 * Lower-cased views of an event, computed once per event and shared by every rule that looks at it:
 * a project with a thousand rules must not lower-case the same message a thousand times.
 */
interface EventView {
  tags: Map<string, string[]> | null;
  readonly values: Map<string, readonly string[]>;
}

const views = new WeakMap<HeraldEvent, EventView>();

function view(event: HeraldEvent): EventView {
  let v = views.get(event);
  if (v === undefined) {
    v = { tags: null, values: new Map() };
    views.set(event, v);
  }
  return v;
}

/** A tag key as compared: lower-cased, without the `sentry:` prefix Sentry stores some keys under. */
export function normalizeTagKey(key: string): string {
  const lower = key.toLowerCase();
  return lower.startsWith('sentry:') ? lower.slice(7) : lower;
}

/** The lower-cased values of one tag (a key may repeat); `key` must be normalized. Empty when absent. */
export function tagValues(event: HeraldEvent, key: string): readonly string[] {
  const v = view(event);
  v.tags ??= buildTags(event);
  return v.tags.get(key) ?? EMPTY;
}

/**
 * The lower-cased values `read` gives for the event, remembered under `slot` so the next rule asking the
 * same gets them for free. `read` returns raw values; missing ones (null, undefined, '') are dropped.
 */
export function cachedValues(
  event: HeraldEvent,
  slot: string,
  read: (event: HeraldEvent) => unknown[],
): readonly string[] {
  const v = view(event);
  let values = v.values.get(slot);
  if (values === undefined) {
    values = read(event).flatMap(toText);
    v.values.set(slot, values);
  }
  return values;
}

/** Every stack frame of the event: exceptions' stacktraces, the top-level stacktrace and threads'. */
export function stackFrames(event: HeraldEvent): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const value of event.exception?.values ?? []) frames.push(...framesOf(value.stacktrace));
  frames.push(...framesOf(event.raw['stacktrace']));
  const threads = record(event.raw['threads'])?.['values'];
  if (Array.isArray(threads))
    for (const thread of threads) frames.push(...framesOf(record(thread)?.['stacktrace']));
  return frames;
}

/** The object under `value`, or undefined for anything else; for reading unchecked payload parts. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Who an event counts as for unique-user counts: id, else username, email or IP address, as Sentry's `user` tag does. */
export function userIdentity(event: HeraldEvent): string | null {
  const user = event.user;
  if (user === null) return null;
  if (user.id) return `id:${user.id}`;
  if (user.username) return `username:${user.username}`;
  if (user.email) return `email:${user.email}`;
  if (user.ip_address) return `ip:${user.ip_address}`;
  return null;
}

const EMPTY: readonly string[] = Object.freeze([]);

function framesOf(stacktrace: unknown): StackFrame[] {
  const frames = record(stacktrace)?.['frames'];
  return Array.isArray(frames) ? (frames.filter((f) => record(f) !== undefined) as StackFrame[]) : [];
}

function toText(value: unknown): string[] {
  if (value === null || value === undefined || value === '') return [];
  if (typeof value === 'string') return [value.toLowerCase()];
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return [String(value)];
  const json = JSON.stringify(value);
  return json === undefined ? [] : [json.toLowerCase()];
}

function buildTags(event: HeraldEvent): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const [key, value] of event.tags) {
    const k = normalizeTagKey(key);
    const list = tags.get(k);
    if (list) list.push(value.toLowerCase());
    else tags.set(k, [value.toLowerCase()]);
  }
  // Sentry derives these tags from the event itself, so rules written against it expect them.
  for (const [key, value] of derivedTags(event)) {
    if (value && !tags.has(key)) tags.set(key, [value.toLowerCase()]);
  }
  return tags;
}

function derivedTags(event: HeraldEvent): [string, string | null | undefined][] {
  const mechanism = event.exception?.values.find((v) => v.mechanism)?.mechanism;
  const transaction = event.raw['transaction'];
  return [
    ['level', event.level],
    ['environment', event.environment],
    ['release', event.release],
    ['url', event.request?.url],
    ['transaction', typeof transaction === 'string' ? transaction : null],
    ['user', userIdentity(event)],
    ['mechanism', mechanism?.type],
    ['handled', mechanism?.handled === undefined ? null : mechanism.handled ? 'yes' : 'no'],
  ];
}
