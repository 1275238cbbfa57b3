import type { z } from 'zod';
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
