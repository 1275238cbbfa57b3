import { sha256Hex } from '../security/sha256.js';
import type { ExceptionValue, HeraldEvent, IssueCategory, StackFrame } from './event.js';

/** How an event joins an issue, and what the issue is called. */
export interface Grouping {
  /** Stable hex hash; events with the same one belong to the same issue of a project. */
  readonly fingerprint: string;
  readonly title: string;
  readonly culprit: string;
  readonly category: IssueCategory;
}

const TITLE_LENGTH = 256;
const CULPRIT_LENGTH = 200;

/** Groups an event: its fingerprint hash, title, culprit and category. */
export function groupEvent(event: HeraldEvent): Grouping {
  return {
    fingerprint: fingerprintOf(event),
    title: titleOf(event),
    culprit: culpritOf(event),
    category: event.type === 'transaction' ? 'performance' : 'error',
  };
}

/**
 * The fingerprint hash. An explicit `fingerprint` wins; its `{{ default }}` entries expand to the default
 * components (so `["{{ default }}"]` alone groups exactly as no fingerprint does, as in Sentry), and
 * `{{ transaction }}`, `{{ type }}`, `{{ value }}`, `{{ level }}` and `{{ message }}` to the event's values.
 */
export function fingerprintOf(event: HeraldEvent): string {
  const given = event.fingerprint;
  if (!given || given.length === 0) return hash(defaultComponents(event));
  const expanded: string[] = [];
  let onlyDefault = true;
  for (const entry of given) {
    const variable = /^\{\{\s*([\w.]+)\s*\}\}$/.exec(entry.trim())?.[1]?.toLowerCase();
    if (variable === 'default') {
      expanded.push(...defaultComponents(event));
      continue;
    }
    onlyDefault = false;
    expanded.push(variable === undefined ? entry : (variableValue(event, variable) ?? entry));
  }
  return hash(onlyDefault ? expanded : ['fingerprint', ...expanded]);
}

/**
 * What events are grouped by when nothing else is said: for a transaction its name; for an exception
 * each exception's type and its in-app frames (module or file, and function; every frame when none is
 * in-app), or its normalized value when it has no frames; otherwise the normalized message.
 */
export function defaultComponents(event: HeraldEvent): string[] {
  if (event.type === 'transaction') return ['transaction', transactionOf(event) ?? event.message];
  const values = event.exception?.values ?? [];
  if (values.length > 0) {
    const parts: string[] = ['exception'];
    for (const value of values) {
      parts.push(`type:${value.type ?? 'Error'}`);
      const frames = groupingFrames(value.stacktrace?.frames ?? []);
      if (frames.length > 0) for (const frame of frames) parts.push(`frame:${frameKey(frame)}`);
      else parts.push(`value:${normalizeMessage(value.value ?? '')}`);
    }
    return parts;
  }
  return ['message', normalizeMessage(event.message)];
}

/**
 * A message with its variable parts replaced, so "user 42 not found" and "user 43 not found" group:
 * emails, UUIDs, IP addresses, hex ids (`0x…`, or 8+ hex characters with a digit) and numbers.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '<email>')
    .replace(/\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '<ip>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>')
    .replace(/-?\b\d+(\.\d+)?\b/g, '<num>');
}

function groupingFrames(frames: readonly StackFrame[]): StackFrame[] {
  const usable = frames.filter((f) => f.function || f.module || f.filename || f.abs_path);
  const inApp = usable.filter((f) => f.in_app === true);
  return inApp.length > 0 ? inApp : usable;
}

function frameKey(frame: StackFrame): string {
  const location = frame.module || stripQuery(frame.filename || frame.abs_path || '');
  return `${location}:${frame.function ?? ''}`;
}

function stripQuery(path: string): string {
  return path.split(/[?#]/)[0] ?? path;
}

function variableValue(event: HeraldEvent, name: string): string | undefined {
  const main = mainException(event);
  switch (name) {
    case 'transaction':
      return transactionOf(event) ?? '<no-transaction>';
    case 'type':
    case 'error.type':
      return main?.type ?? '<no-type>';
    case 'value':
    case 'error.value':
      return main?.value ?? '<no-value>';
    case 'level':
      return event.level;
    case 'message':
      return event.message;
    default:
      return undefined;
  }
}

/** The exception that was raised: the last of the chain, as Sentry orders exceptions. */
function mainException(event: HeraldEvent): ExceptionValue | undefined {
  return event.exception?.values.at(-1);
}

function transactionOf(event: HeraldEvent): string | undefined {
  const transaction = event.raw['transaction'];
  return typeof transaction === 'string' && transaction !== '' ? transaction : undefined;
}

/** Sentry's title: `Type: first line of value` for an exception, else the message's first line. */
function titleOf(event: HeraldEvent): string {
  if (event.type === 'transaction')
    return cut(transactionOf(event) ?? (firstLine(event.message) || '<unlabeled transaction>'), TITLE_LENGTH);
  const main = mainException(event);
  if (main) {
    const value = firstLine(main.value ?? '');
    const type = main.type ?? (value ? '' : 'Error');
    return cut(type && value ? `${type}: ${value}` : type || value, TITLE_LENGTH);
  }
  return cut(firstLine(event.message) || '<unlabeled event>', TITLE_LENGTH);
}

/**
 * Sentry's culprit: an explicit `culprit`, else the transaction, else the top in-app frame of the raised
 * exception (the last frame when none is in-app) as `function(module)` for JavaScript and `module in
 * function` elsewhere.
 */
function culpritOf(event: HeraldEvent): string {
  const explicit = event.raw['culprit'];
  if (typeof explicit === 'string' && explicit !== '') return cut(explicit, CULPRIT_LENGTH);
  const transaction = transactionOf(event);
  if (transaction) return cut(transaction, CULPRIT_LENGTH);
  const frames = mainException(event)?.stacktrace?.frames ?? [];
  const frame = frames.findLast((f) => f.in_app === true) ?? frames.at(-1);
  if (!frame) return '';
  const location = frame.module || frame.filename;
  if (!location) return '';
  const platform = (typeof frame['platform'] === 'string' ? frame['platform'] : null) ?? event.platform;
  const fn = frame.function || '?';
  return cut(
    platform === 'javascript' || platform === 'node' ? `${fn}(${location})` : `${location} in ${fn}`,
    CULPRIT_LENGTH,
  );
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

function cut(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function hash(parts: readonly string[]): string {
  return sha256Hex(parts.join('\u0000')).slice(0, 32);
}
