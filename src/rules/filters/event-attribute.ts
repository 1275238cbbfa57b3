import type { HeraldEvent, StackFrame } from '../../events/event.js';
import type { FilterImplementation } from '../condition.js';
import { cachedValues, record, stackFrames } from '../event-view.js';
import { compileMatch } from '../match.js';
import type { EVENT_ATTRIBUTES } from '../rule-schema.js';

type Reader = (event: HeraldEvent) => unknown[];

const frameField =
  (field: string): Reader =>
  (event) =>
    stackFrames(event).map((frame) => frame[field]);

/** Where each attribute lives in an event; several values when it occurs several times (exceptions, frames). */
const READERS: Readonly<Record<(typeof EVENT_ATTRIBUTES)[number], Reader>> = {
  message: (e) => [e.message],
  platform: (e) => [e.platform],
  environment: (e) => [e.environment],
  type: (e) => [e.type],
  release: (e) => [e.release],
  level: (e) => [e.level],
  'error.handled': (e) => handled(e, true),
  'error.unhandled': (e) => handled(e, false),
  'exception.type': (e) => (e.exception?.values ?? []).map((v) => v.type),
  'exception.value': (e) => (e.exception?.values ?? []).map((v) => v.value),
  'user.id': (e) => [e.user?.id],
  'user.email': (e) => [e.user?.email],
  'user.username': (e) => [e.user?.username],
  'user.ip_address': (e) => [e.user?.ip_address],
  'http.method': (e) => [e.request?.method],
  'http.url': (e) => [e.request?.url],
  // Sentry reads the status from the response context, not from the request.
  'http.status_code': (e) => [record(e.contexts['response'])?.['status_code']],
  'sdk.name': (e) => [e.sdk?.name],
  'stacktrace.filename': frameField('filename'),
  'stacktrace.abs_path': frameField('abs_path'),
  'stacktrace.module': frameField('module'),
  'stacktrace.function': frameField('function'),
  'stacktrace.package': frameField('package'),
  'stacktrace.code': (e) => stackFrames(e).flatMap(codeLines),
  'app.in_foreground': (e) => [record(e.contexts['app'])?.['in_foreground']],
  'os.distribution_name': (e) => [record(e.contexts['os'])?.['distribution_name']],
  'os.distribution_version': (e) => [record(e.contexts['os'])?.['distribution_version']],
};

/**
 * Matches one attribute of the event (see {@link EVENT_ATTRIBUTES}) or a path into its `extra` data.
 * `is`/`ns` ask whether the attribute has any value; missing data is no value, never an error.
 */
export const eventAttribute: FilterImplementation<'event_attribute'> = {
  id: 'event_attribute',
  kind: 'filter',
  compile(node) {
    const name = node.attribute.toLowerCase();
    const read = attributeReader(name);
    const test = compileMatch(node.match, node.value);
    if (read === null) return () => test([]);
    return (input) => test(cachedValues(input.event, name, read));
  },
};

/** The reader of an attribute name (lower-cased), or null for a name no event has. */
export function attributeReader(name: string): Reader | null {
  if (Object.hasOwn(READERS, name)) return READERS[name as keyof typeof READERS];
  if (name.startsWith('extra.')) {
    const path = name.slice(6).split('.');
    return (event) => extraValues(event.extra, path);
  }
  return null;
}

/** Walks `extra` along `path`, keys matched in any case; a list at the end gives each of its items. */
function extraValues(extra: Readonly<Record<string, unknown>>, path: readonly string[]): unknown[] {
  let value: unknown = extra;
  for (const key of path) {
    const object = record(value);
    if (object === undefined) return [];
    const found = Object.hasOwn(object, key) ? key : Object.keys(object).find((k) => k.toLowerCase() === key);
    if (found === undefined) return [];
    value = object[found];
  }
  return Array.isArray(value) ? value : [value];
}

/** `handled` for error.handled, its opposite for error.unhandled; exceptions that do not say are skipped. */
function handled(event: HeraldEvent, wanted: boolean): boolean[] {
  const values: boolean[] = [];
  for (const exception of event.exception?.values ?? []) {
    const flag = exception.mechanism?.handled;
    if (typeof flag === 'boolean') values.push(flag === wanted);
  }
  return values;
}

function codeLines(frame: StackFrame): unknown[] {
  const lines = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return [...lines(frame['pre_context']), frame['context_line'], ...lines(frame['post_context'])];
}
