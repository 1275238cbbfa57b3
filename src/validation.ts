import { z } from 'zod';
import { type FieldProblem, ValidationError } from './errors.js';

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
