import { z } from 'zod';
import { type FieldProblem, ValidationError } from './errors.js';

/** What a value should have been, with its article: `a string`, `an integer`. */
function expectedText(expected: string): string {
  const name = expected === 'int' ? 'integer' : expected;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** How many of what a size limit counts: characters of a string, items of a list, keys of a record. */
function sizeUnit(origin: string, n: number): string {
  const one = origin === 'string' ? 'character' : origin === 'array' || origin === 'set' ? 'item' : 'entry';
  return n === 1 ? one : one === 'entry' ? 'entries' : `${one}s`;
}

const FORMATS: Readonly<Record<string, string>> = {
  email: 'must be an email address',
  url: 'must be a URL',
  uuid: 'must be a UUID',
  datetime: 'must be an ISO 8601 date and time with its offset',
  date: 'must be a date (YYYY-MM-DD)',
  regex: 'is not in the expected form',
};

/**
 * Every schema's refusals speak as Herald's own messages do ("must have at most 64 characters", "is
 * required") instead of zod's defaults ("Too big: expected string to have <=64 characters"): an API
 * answer and the dashboard's field show them as they are. A schema's own message still wins.
 */
z.config({
  customError: (issue) => {
    switch (issue.code) {
      case 'invalid_type':
        return issue.input === undefined ? 'is required' : `must be ${expectedText(issue.expected)}`;
      case 'too_small': {
        const min = Number(issue.minimum);
        if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
          return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
        if (issue.origin === 'string' && min === 1) return 'must not be empty';
        return `must have at least ${min} ${sizeUnit(issue.origin, min)}`;
      }
      case 'too_big': {
        const max = Number(issue.maximum);
        if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
          return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
        return `must have at most ${max} ${sizeUnit(issue.origin, max)}`;
      }
      case 'invalid_value':
        return issue.values.length === 1
          ? `must be ${JSON.stringify(issue.values[0])}`
          : `must be one of: ${issue.values.map(String).join(', ')}`;
      case 'unrecognized_keys':
        return issue.keys.length === 1
          ? `has no field "${issue.keys[0]}"`
          : `has no fields ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
      case 'invalid_format':
        return FORMATS[issue.format] ?? undefined;
      default:
        return undefined;
    }
  },
});

/** Turns a zod error into field problems with dotted paths (`conditions.0.interval`) under `prefix`. */
export function zodProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: joinPath(prefix, issue.path.map(String).join('.')),
    message: issue.message,
  }));
}

/** A ValidationError naming every problem once, in the order found. */
export function validationError(problems: readonly FieldProblem[]): ValidationError {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return new ValidationError(unique);
}

/** Joins two dotted path parts, skipping empty ones. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return `${prefix}.${path}`;
}

/** A BCP 47 locale such as `de` or `fr-CA`. */
export const localeSchema = z
  .string()
  .max(35)
  .refine((v) => {
    try {
      return Intl.getCanonicalLocales(v).length === 1;
    } catch {
      return false;
    }
  }, 'must be a BCP 47 language tag such as de or fr-CA');

/**
 * How deep a request's input may nest: far past what any request needs (Sentry SDKs trim their data at
 * a few levels), far short of what JSON.stringify can write back (a few thousand levels).
 */
export const MAX_INPUT_DEPTH = 64;

/** Input full of problems is described by its first ones. */
const MAX_INPUT_PROBLEMS = 20;

const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
const TOO_DEEP = `nests deeper than ${MAX_INPUT_DEPTH} levels`;

/**
 * What no store can take, wherever it sits in a request's input, each with its dotted path under
 * `prefix`: a NUL character in a string or a key, which PostgreSQL's text and jsonb refuse (SQLite is
 * held to the same, so both profiles answer alike), and nesting deeper than {@link MAX_INPUT_DEPTH}.
 * Most input has none: one pass without paths decides, and paths are built only when it found one.
 */
export function inputProblems(value: unknown, prefix = ''): FieldProblem[] {
  if (!hasInputProblem(value)) return [];
  const problems: FieldProblem[] = [];
  // Depth first, without recursion: the nesting to report may be deeper than the call stack.
  const stack: { value: unknown; path: readonly string[] }[] = [{ value, path: [] }];
  while (stack.length > 0 && problems.length < MAX_INPUT_PROBLEMS) {
    const { value: at, path } = stack.pop()!;
    const here = () => joinPath(prefix, path.join('.'));
    if (path.at(-1)?.includes(NUL)) problems.push({ path: here(), message: NUL_MESSAGE });
    if (typeof at === 'string') {
      if (at.includes(NUL)) problems.push({ path: here(), message: NUL_MESSAGE });
      continue;
    }
    if (!Array.isArray(at) && !isPlainObject(at)) continue;
    if (path.length >= MAX_INPUT_DEPTH) {
      problems.push({ path: here(), message: TOO_DEEP });
      continue;
    }
    // Pushed last to first, so that problems are named in the order of the input.
    for (const [key, child] of Object.entries(at).reverse())
      stack.push({ value: child, path: [...path, key] });
  }
  return problems;
}

/**
 * Makes `value` storable in place, for input that must not be refused (a Sentry SDK drops an event that
 * gets a 400): each NUL character in a string or a key becomes U+FFFD, as PostgreSQL cannot store it,
 * and what nests deeper than {@link MAX_INPUT_DEPTH} is replaced by null. Answers whether anything
 * changed; input without either is only read once.
 */
export function repairInput(value: Record<string, unknown> | unknown[]): boolean {
  if (!hasInputProblem(value)) return false;
  const containers: { at: Record<string, unknown> | unknown[]; depth: number }[] = [{ at: value, depth: 0 }];
  while (containers.length > 0) {
    const { at, depth } = containers.pop()!;
    const record = at as Record<string, unknown>;
    for (const key of Object.keys(at)) {
      let child = record[key];
      if (typeof child === 'string' && child.includes(NUL)) child = child.replaceAll(NUL, '\uFFFD');
      else if (Array.isArray(child) || isPlainObject(child)) {
        if (depth + 1 >= MAX_INPUT_DEPTH) child = null;
        else containers.push({ at: child, depth: depth + 1 });
      }
      if (key.includes(NUL) && !Array.isArray(at)) {
        delete record[key];
        record[key.replaceAll(NUL, '\uFFFD')] = child;
      } else record[key] = child;
    }
  }
  return true;
}

function hasInputProblem(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  const containers: unknown[] = [value];
  const depths: number[] = [0];
  while (containers.length > 0) {
    const at = containers.pop();
    const depth = depths.pop()!;
    let children: unknown[];
    if (Array.isArray(at)) children = at;
    else if (isPlainObject(at)) {
      children = [];
      for (const key in at) {
        if (key.includes(NUL)) return true;
        children.push(at[key]);
      }
    } else continue;
    if (depth >= MAX_INPUT_DEPTH) return true;
    for (const child of children) {
      if (typeof child === 'string') {
        if (child.includes(NUL)) return true;
      } else if (typeof child === 'object' && child !== null) {
        containers.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** Whether `value` is a plain object (what an object or record schema accepts, at least). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Written-out checks of schemas (see {@link withWrittenCheck}). */
const writtenChecks = new WeakMap<object, (value: unknown) => boolean>();

/**
 * Gives `schema` a written-out check: where the check passes, the API's validation (and
 * {@link safeParseChecked}) takes the value as it is instead of running the schema (which copies the value, key by key); where it fails, the schema
 * runs and names the problems. The check must accept only what the schema accepts and gives back equal
 * (a property test per check holds them together).
 */
export function withWrittenCheck<S extends z.ZodType>(schema: S, check: (value: unknown) => boolean): S {
  writtenChecks.set(schema, check);
  return schema;
}

/** `schema.safeParse(value)`, or `value` as it is where the schema's written-out check accepts it. */
export function safeParseChecked<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> {
  if (writtenChecks.get(schema)?.(value)) return { success: true, data: value as z.output<S> };
  return schema.safeParse(value) as z.ZodSafeParseResult<z.output<S>>;
}

/** The written-out check of `schema`, if it has one. */
export function writtenCheckOf(schema: unknown): ((value: unknown) => boolean) | undefined {
  return typeof schema === 'object' && schema !== null ? writtenChecks.get(schema) : undefined;
}
