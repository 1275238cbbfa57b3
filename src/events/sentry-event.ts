import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { isPlainObject, repairInput, safeParseChecked, zodProblems } from '../validation.js';
import { type EventPayload, eventSchema, MAX_TAGS, parseTimestamp, TEXT_LIMITS } from './event-schema.js';
import { newEventId } from './normalize.js';

/**
 * Transactions that took longer than this, in ms, become performance issues; quicker ones are accepted
 * and make none. 1,200 ms is what Sentry counts as a frustrated response at its default Apdex threshold
 * (4 × 300 ms).
 */
export const SLOW_TRANSACTION_MS = 1200;

/** Rounds of repair: a tag map's count is checked only once its entries are valid, so a round may find more. */
const MAX_ROUNDS = 4;
/** Original values up to this size (characters of JSON) are kept in `_meta`; of longer strings only the length. */
const MAX_ORIGINAL_SIZE = 500;
/**
 * Fields trimmed (to the limit, ending in `...`, as Relay trims) when too long, named as in
 * {@link TEXT_LIMITS}: text people read, which still reads cut, and cuts the same way every time, so
 * grouping holds. Every other bad value is dropped, over-long identifiers included (a user id, email,
 * host, dist or SDK version cut short would name something else).
 */
const TRIMMED: ReadonlyMap<string, number> = new Map(
  (
    [
      'transaction',
      'culprit',
      'request.url',
      'exception.type',
      'exception.value',
      'exception.module',
      'frame.filename',
      'frame.abs_path',
      'frame.function',
      'frame.module',
      'frame.context_line',
    ] as const
  ).map((field) => [field, TEXT_LIMITS[field]]),
);
/** Marks a list item dropped during a round; the lists are compacted at its end, so paths stay valid meanwhile. */
const DROPPED = Symbol('dropped');

type Container = Record<PropertyKey, unknown>;

/**
 * The payload of a Sentry SDK's event, as ingest takes it. An event the schema accepts is taken as it is
 * (no extra work on the usual path). Otherwise, as Sentry's Relay does, what the schema refuses is
 * trimmed (over-long text: a `transaction`, `culprit`, request URL, an exception's type, value or module,
 * a frame's file, function, module or source line; see {@link TRIMMED}) or dropped (an over-long tag or
 * identifier such as `environment`, `server_name` or `user.email`, a frame's negative `lineno`, a wrong
 * type anywhere; a bad fingerprint part drops the fingerprint, tags past {@link MAX_TAGS} are cut), each
 * change is recorded in the event's `_meta`, and the rest of the event is kept: SDKs discard an event
 * that gets a 400, so one bad field must not lose it. `raw` is changed in place. Herald's own API keeps
 * refusing such events with the fields named.
 */
export function sentryEventPayload(raw: Record<string, unknown>, prefix = ''): EventPayload {
  // What no store can take (a NUL character, absurd nesting) is mended first, not refused.
  repairInput(raw);
  let result = safeParseChecked(eventSchema, raw);
  for (let round = 0; !result.success && round < MAX_ROUNDS; round++) {
    repair(raw, result.error.issues);
    result = safeParseChecked(eventSchema, raw);
  }
  if (!result.success) throw new ValidationError(zodProblems(result.error, prefix));
  return result.data;
}

/**
 * Whether a Sentry payload of type `transaction` is slow enough to become an issue: it ended more than
 * `thresholdMs` after it started. One without a readable `start_timestamp` and `timestamp` is not.
 */
export function isSlowTransaction(raw: Record<string, unknown>, thresholdMs = SLOW_TRANSACTION_MS): boolean {
  const start = epochMs(raw['start_timestamp']);
  const end = epochMs(raw['timestamp']);
  return end - start > thresholdMs;
}

/** The id Sentry answers for an event it accepted without storing: the sender's, or a new one. */
export function acceptedEventId(raw: Record<string, unknown>): string {
  const given = typeof raw['event_id'] === 'string' ? raw['event_id'].replaceAll('-', '').toLowerCase() : '';
  return /^[0-9a-f]{32}$/.test(given) ? given : newEventId();
}

/** Epoch ms of a Sentry timestamp (epoch seconds or ISO 8601); NaN when absent or unreadable. */
function epochMs(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : Number.NaN;
  return typeof value === 'string' ? parseTimestamp(value) : Number.NaN;
}

/** Trims or drops the value of every issue (see {@link sentryEventPayload}), noting each in `_meta`. */
function repair(event: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): void {
  const shortened = new Set<unknown[]>();
  for (const issue of issues) {
    const path = unitOf(issue.path);
    const key = path.at(-1);
    const parent = at(event, path.slice(0, -1));
    if (key === undefined || parent === undefined || !Object.hasOwn(parent, key)) continue;
    const value = parent[key];
    if (value === DROPPED) continue;
    if (path.length === 1 && key === 'tags' && tagCount(value) > MAX_TAGS) {
      note(event, path, { len: tagCount(value) });
      if (Array.isArray(value)) value.length = MAX_TAGS;
      else
        for (const name of Object.keys(value as Container).slice(MAX_TAGS)) delete (value as Container)[name];
      continue;
    }
    const max = TRIMMED.get(fieldOf(path));
    if (max !== undefined && typeof value === 'string' && value.length > max) {
      parent[key] = trimmed(value, max);
      note(event, path, { rem: [['!limit', 's', max - 3, max]], len: value.length });
      continue;
    }
    note(event, path, dropped(value, reasonOf(issue)));
    if (Array.isArray(parent)) {
      parent[key] = DROPPED;
      shortened.add(parent);
    } else delete parent[key];
  }
  for (const list of shortened) {
    let kept = 0;
    for (const item of list) if (item !== DROPPED) list[kept++] = item;
    list.length = kept;
  }
}

/**
 * The part of an issue's path that is trimmed or dropped: a whole tag (its key or its value is bad), the
 * whole fingerprint (without one part it would group differently), else the value the issue names.
 */
function unitOf(path: readonly PropertyKey[]): readonly PropertyKey[] {
  if (path[0] === 'fingerprint') return path.slice(0, 1);
  if (path[0] === 'tags') return path.slice(0, 2);
  return path;
}

/**
 * The field `path` names, as {@link TEXT_LIMITS} names it: without list indexes, an exception's fields
 * as `exception.*` in either form, a stack frame's as `frame.*` wherever the frame sits.
 */
function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .filter((step) => typeof step !== 'number')
    .map(String)
    .join('.')
    .replace(/^exception\.values\./, 'exception.')
    .replace(/^(exception\.)?stacktrace\.frames\./, 'frame.');
}

/** The object or list at `path`, if every step leads to one. */
function at(root: Container, path: readonly PropertyKey[]): Container | undefined {
  let node: unknown = root;
  for (const step of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, step)) return undefined;
    node = (node as Container)[step];
  }
  return typeof node === 'object' && node !== null ? (node as Container) : undefined;
}

function tagCount(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

/** Relay's trim: `max - 3` characters and `...` (a surrogate pair is not split). */
function trimmed(value: string, max: number): string {
  let end = max - 3;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${value.slice(0, end)}...`;
}

/** Relay's note of a removed value: the error, and the value itself when small, else its length. */
function dropped(value: unknown, reason: string): Record<string, unknown> {
  const err = [['invalid_data', { reason }]];
  if (typeof value === 'string' && value.length > MAX_ORIGINAL_SIZE) return { err, len: value.length };
  const size = JSON.stringify(value)?.length ?? 0;
  return size <= MAX_ORIGINAL_SIZE ? { err, val: value } : { err };
}

function reasonOf(issue: z.core.$ZodIssue): string {
  // A record's bad key is reported as "Invalid key in record", the key's own problem inside.
  const inner = 'issues' in issue && Array.isArray(issue.issues) ? issue.issues[0]?.message : undefined;
  return typeof inner === 'string' ? `key: ${inner}` : issue.message;
}

/** The event's `_meta` (Sentry's record of what normalization changed), made when absent. */
function metaOf(event: Record<string, unknown>): Container {
  const existing = event['_meta'];
  if (isPlainObject(existing)) return existing;
  const meta: Container = Object.create(null);
  event['_meta'] = meta;
  return meta;
}

/** Sets the event's `_meta` at `path` (nested objects, `""` holding the note), as Sentry lays it out. */
function note(
  event: Record<string, unknown>,
  path: readonly PropertyKey[],
  entry: Record<string, unknown>,
): void {
  let node = metaOf(event);
  for (const step of path) {
    const key = String(step);
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Container;
    else {
      const made: Container = Object.create(null);
      node[key] = made;
      node = made;
    }
  }
  node[''] = entry;
}
